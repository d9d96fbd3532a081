using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

public sealed partial class ScalerResilienceTests
{
    [Fact]
    public async Task The_scaler_holds_while_prometheus_is_down_counts_the_errors_and_resumes_when_it_returns()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var dir = new TempDirectory();
        var sd = dir.File("replicas.json");
        var scalerPort = FreePorts.Next();
        var promOptions = new PrometheusServerOptions
        {
            BinaryPath = binary,
            WorkingDirectory = dir.File("prometheus"),
            Port = FreePorts.Next(),
            ScrapeInterval = TimeSpan.FromSeconds(1),
            EvaluationInterval = TimeSpan.FromSeconds(1),
            WebAppTargetsFile = sd,
        };
        var prometheus = await PrometheusServer.StartAsync(promOptions, cancellationToken: TestContext.Current.CancellationToken);
        try
        {
            var basePort = 21000 + (Environment.ProcessId % 100 * 20);
            await using var scaler = AutoscalerProcess.Start(
                "scaler", "--port", scalerPort.ToString(CultureInfo.InvariantCulture), "--prometheus-url", prometheus.Url.ToString(),
                "--sd-file", sd, "--check-interval", "1s", "--replica-ports", $"{basePort}-{basePort + 10}",
                "--query", "avg(avg_over_time(webapp_response_time_seconds[5s]))");
            using var http = new HttpClient();
            var status = new Uri($"http://127.0.0.1:{scalerPort}/api/v1/status");
            var metrics = new Uri($"http://127.0.0.1:{scalerPort}/metrics");

            await LiveStack.WaitForAsync(async () => await ValueAsync(http, status) is not null, TimeSpan.FromSeconds(40), () => scaler.Output);

            await prometheus.DisposeAsync();
            var errorsBefore = QueryErrors(await http.GetStringAsync(metrics, TestContext.Current.CancellationToken));
            await LiveStack.WaitForAsync(async () => QueryErrors(await http.GetStringAsync(metrics)) >= errorsBefore + 3, TimeSpan.FromSeconds(20), () => scaler.Output);
            var held = JsonDocument.Parse(await http.GetStringAsync(status, TestContext.Current.CancellationToken)).RootElement;
            Assert.Equal(1, held.GetProperty("currentReplicas").GetInt32());
            Assert.Contains("cannot reach Prometheus", held.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.False(scaler.HasExited);

            prometheus = await PrometheusServer.StartAsync(promOptions, cancellationToken: TestContext.Current.CancellationToken);
            await LiveStack.WaitForAsync(async () => await ValueAsync(http, status) is not null, TimeSpan.FromSeconds(40), () => scaler.Output);
            Assert.Contains("has a value again", scaler.Output, StringComparison.Ordinal);
        }
        finally
        {
            await prometheus.DisposeAsync();
        }
    }

    private static async Task<double?> ValueAsync(HttpClient http, Uri status)
    {
        var json = JsonDocument.Parse(await http.GetStringAsync(status)).RootElement;
        return json.GetProperty("lastMetricValue") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
    }

    [GeneratedRegex(@"^autoscaler_query_errors_total\{metric=""avg_rt"",kind=""unreachable"",service=""webapp""\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex UnreachableErrors();

    private static double QueryErrors(string metrics) =>
        UnreachableErrors().Match(metrics) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
}
