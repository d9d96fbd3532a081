using System.Diagnostics;
using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Server;

/// <summary>The real <c>prometheus</c> binary, started and stopped by <see cref="PrometheusServer"/>.</summary>
public sealed class PrometheusServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Missing_binary_throws_an_exception_that_says_how_to_install_prometheus()
    {
        using var temp = new TempDirectory();

        var e = await Assert.ThrowsAsync<PrometheusNotInstalledException>(() => PrometheusServer.StartAsync(
            new PrometheusServerOptions { BinaryPath = temp.File("no-prometheus-here"), WorkingDirectory = temp.Path }, cancellationToken: Ct));

        Assert.Contains("apt-get install prometheus", e.Message, StringComparison.Ordinal);
        Assert.Contains("brew install prometheus", e.Message, StringComparison.Ordinal);
        Assert.Throws<PrometheusNotInstalledException>(() => PrometheusServer.FindBinary("prometheus-that-does-not-exist"));
    }

    [Fact]
    public async Task Invalid_options_are_all_named_before_anything_starts()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => PrometheusServer.StartAsync(
            new PrometheusServerOptions
            {
                WorkingDirectory = "",
                Port = 70000,
                RuleFiles = ["/nonexistent/rules.yml"],
                StaticJobs = { ["prometheus"] = ["127.0.0.1:1"] },
            },
            cancellationToken: Ct));

        Assert.Contains("Prometheus:Server:WorkingDirectory", e.Message, StringComparison.Ordinal);
        Assert.Contains("Prometheus:Server:Port = 70000", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/rules.yml: file not found", e.Message, StringComparison.Ordinal);
        Assert.Contains("StaticJobs:prometheus", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starts_on_a_free_port_scrapes_itself_answers_queries_and_stops_on_dispose()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var temp = new TempDirectory("prometheus-test");
        int pid;
        await using (var server = await PrometheusServer.StartAsync(
            new PrometheusServerOptions
            {
                BinaryPath = binary,
                WorkingDirectory = temp.Path,
                Port = 0,
                ScrapeInterval = TimeSpan.FromSeconds(1),
                EvaluationInterval = TimeSpan.FromSeconds(1),
            },
            cancellationToken: Ct))
        {
            pid = server.ProcessId;
            Assert.NotEqual(9090, server.Port);
            Assert.True(File.Exists(Path.Combine(temp.Path, "prometheus.yml")));
            using var client = server.CreateClient();

            Assert.True((await client.IsReadyAsync(Ct)).Value);
            var up = await WaitForAsync(() => client.QueryScalarAsync("up{job=\"prometheus\"}", Ct), r => r.Value == 1);
            Assert.Equal($"127.0.0.1:{server.Port}", up.Labels["instance"]);

            Assert.Equal(2, (await client.QueryScalarAsync("1 + 1", Ct)).Value);
            Assert.Equal(MetricFailureKind.NotFinite, (await client.QueryScalarAsync("0 / 0", Ct)).Failure);
            Assert.Equal(MetricFailureKind.NotFinite, (await client.QueryScalarAsync("vector(1) / 0", Ct)).Failure);

            var now = TimeProvider.System.GetUtcNow();
            var range = await client.QueryRangeAsync("up", now.AddSeconds(-30), now, TimeSpan.FromSeconds(1), Ct);
            Assert.True(range.Succeeded, range.Error?.Message);
            var series = Assert.Single(range.Value!);
            Assert.NotEmpty(series.Points);
            Assert.All(series.Points, p => Assert.Equal(1, p.Value));

            var targets = await client.GetTargetsAsync(Ct);
            Assert.Contains(targets.Value!, t => t.ScrapePool == "prometheus" && t.IsUp);

            // No lifecycle API: no local user may stop it with POST /-/quit (issue 15).
            using var http = new HttpClient();
            using var quit = await http.PostAsync(new Uri(server.Url, "-/quit"), null, Ct);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, quit.StatusCode);
            Assert.False((await client.ReloadAsync(Ct)).Succeeded);
            Assert.True((await client.IsReadyAsync(Ct)).Value);
            Assert.False(server.HasExited);
        }

        Assert.False(IsRunning(pid), $"prometheus (pid {pid}) still runs after dispose");
    }

    [Fact]
    public async Task A_prometheus_that_exits_at_start_fails_with_its_own_output()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var temp = new TempDirectory("prometheus-test");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PrometheusServer.StartAsync(
            new PrometheusServerOptions { BinaryPath = binary, WorkingDirectory = temp.Path, Port = 0, ExtraArguments = ["--no-such-flag"] },
            cancellationToken: Ct));

        Assert.Contains("exited", e.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-flag", e.Message, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var value = await read();
            if (done(value) || TimeProvider.System.GetElapsedTime(deadline) > TimeSpan.FromSeconds(30))
            {
                return value;
            }

            await Task.Delay(200, Ct);
        }
    }
}
