using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Prometheus;

/// <summary>
/// The console's "simulate this policy": a real scaler with <c>--reports</c> replays the demand a real Prometheus
/// scraped from a short live run through the service's policy, and lists the report it wrote.
/// </summary>
public sealed class ConsoleReplayTests
{
    private const string Token = "console-replay-token";
    private const string Demand = "sum(rate(webapp_request_count_total[5s]))";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replay_from_the_console_reads_the_live_demand_simulates_the_policy_and_lists_its_report()
    {
        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        await stack.WaitForAsync(() => stack.Client.QueryScalarAsync("up{job=\"webapp\"}", Ct), r => r.Value == 1, "the replica scraped");
        await HistoryTests.DriveAsync(stack, TimeSpan.FromSeconds(12));

        using var dir = new TempDirectory();
        var reports = dir.File("reports");
        var port = FreePorts.Next();
        var basePort = 25000 + (Environment.ProcessId % 100 * 20);
        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--port", port.ToString(CultureInfo.InvariantCulture), "--prometheus-url", stack.Server.Url.ToString(),
            "--api-token", Token, "--reports", reports, "--replica-ports", $"{basePort}-{basePort + 4}");
        await scaler.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        // The last 14.4 s: within the run Prometheus scraped (a replay starts at the first point it holds).
        var job = await ReplayAsync(http, 0.004, stack);
        Assert.True(job.GetProperty("state").GetString() == "done", $"{job}\n{scaler.Output}");
        var url = job.GetProperty("report").GetString()!;

        var listed = JsonDocument.Parse(await http.GetStringAsync("/api/v1/reports", Ct)).RootElement.EnumerateArray().Single();
        Assert.Equal(url, listed.GetProperty("url").GetString());
        Assert.Equal("Simulation report: replay-webapp", listed.GetProperty("title").GetString());
        var page = await http.GetAsync(url, Ct);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("webapp-policy", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // The replay ran the service's own policy against the oracle on the demand the run sent.
        var folder = Path.Combine(reports, listed.GetProperty("name").GetString()!);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "summary.json"), Ct));
        Assert.Equal(["oracle", "webapp-policy"], summary.RootElement.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policy").GetString()));
        Assert.InRange(summary.RootElement.GetProperty("durationSeconds").GetDouble(), 10, 14.4);
        Assert.Equal([listed.GetProperty("name").GetString()], Directory.GetDirectories(reports).Select(Path.GetFileName));

        // An hour asked of a Prometheus that holds well under a minute: the replay is of what it holds, not of an hour
        // padded with made-up demand.
        var hour = await ReplayAsync(http, 1, stack);
        Assert.True(hour.GetProperty("state").GetString() == "done", $"{hour}\n{scaler.Output}");
        var hourFolder = Path.Combine(reports, Path.GetFileName(Path.GetDirectoryName(hour.GetProperty("report").GetString())!)!);
        using var hourSummary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(hourFolder, "summary.json"), Ct));
        Assert.InRange(hourSummary.RootElement.GetProperty("durationSeconds").GetDouble(), 10, 120);
        Assert.Equal(2, JsonDocument.Parse(await http.GetStringAsync("/api/v1/reports", Ct)).RootElement.GetArrayLength());
    }

    private static async Task<JsonElement> ReplayAsync(HttpClient http, double hours, PrometheusStack stack)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/webapp/simulations")
        {
            Content = new StringContent($$"""{"hours": {{hours.ToString(CultureInfo.InvariantCulture)}}, "query": "{{Demand}}"}""", Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var started = await http.SendAsync(post, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
        return await stack.WaitForAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"/api/v1/simulations/{id}", Ct)).RootElement,
            j => j.GetProperty("state").GetString() != "running", "the replay to finish", TimeSpan.FromSeconds(60));
    }
}
