using System.Globalization;
using System.Text.RegularExpressions;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;
using Autoscaler.Prometheus.History;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Prometheus;

/// <summary>
/// One short live run recorded by a real Prometheus (two replicas driven for 15 s), started once for the tests that
/// read it back, so each does not wait for a run of its own.
/// </summary>
public sealed class RecordedRun : IAsyncLifetime
{
    public PrometheusStack Stack { get; private set; } = null!;

    public DateTimeOffset Start { get; private set; }

    public DateTimeOffset End { get; private set; }

    /// <summary>Requests per second the run sent, in all.</summary>
    public double Rate { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Stack = await PrometheusStack.StartAsync(replicas: 2, ct);
        await Stack.WaitForAsync(() => Stack.Client.QueryScalarAsync("count(up{job=\"webapp\"} == 1)", ct), r => r.Value == 2, "both replicas scraped");
        Start = TimeProvider.System.GetUtcNow();
        Rate = await HistoryTests.DriveAsync(Stack, TimeSpan.FromSeconds(15));
        End = TimeProvider.System.GetUtcNow();
    }

    public async ValueTask DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}

/// <summary>Reading history with query_range from a real Prometheus that scraped a short live run.</summary>
public sealed class HistoryTests(RecordedRun run) : IClassFixture<RecordedRun>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Demand = "sum(rate(webapp_request_count_total[5s]))";

    /// <summary>Sends up to 20 requests a second to each replica for <paramref name="length"/>; returns the rate achieved in all.</summary>
    internal static async Task<double> DriveAsync(PrometheusStack stack, TimeSpan length)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = TimeProvider.System.GetTimestamp();
        var sent = 0;
        while (TimeProvider.System.GetElapsedTime(started) < length)
        {
            await Task.WhenAll(stack.Replicas.Select(r => http.GetAsync(r.Url, Ct)));
            sent += stack.Replicas.Count;
            await Task.Delay(50, Ct);
        }

        return sent / TimeProvider.System.GetElapsedTime(started).TotalSeconds;
    }

    [Fact]
    public async Task The_demand_of_a_short_live_run_is_fetched_and_a_query_with_several_series_is_refused_with_the_sum_suggestion()
    {
        var (stack, start, end, rate) = (run.Stack, run.Start, run.End, run.Rate);

        var history = await DemandHistory.FetchAsync(stack.Client, Demand, start, end, TimeSpan.FromSeconds(1), Ct);

        // The demand climbs to about the rate the run sent (up to 20 req/s per replica; less on a busy machine).
        Assert.True(history.Points.Count >= 10, history.ToString());
        Assert.True(history.Points.Zip(history.Points.Skip(1)).All(p => p.Second.Seconds > p.First.Seconds), "points in time order");
        Assert.All(history.Points, p => Assert.InRange(p.Seconds, 0, (end - start).TotalSeconds));
        Assert.InRange(history.Points.Max(p => p.Value), rate * 0.6, (rate * 1.6) + 2);
        Assert.All(history.Points, p => Assert.InRange(p.Value, 0, (rate * 1.6) + 2));

        var e = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(stack.Client, "rate(webapp_request_count_total[5s])", start, end, TimeSpan.FromSeconds(1), Ct));
        Assert.True(e.IsUsageError);
        Assert.Contains("the query returned 2 series", e.Message, StringComparison.Ordinal);
        Assert.Contains("wrap it in sum(...) to add them up, e.g. sum(rate(webapp_request_count_total[5s]))", e.Message, StringComparison.Ordinal);

        var nothing = await Assert.ThrowsAsync<DemandHistoryException>(() =>
            DemandHistory.FetchAsync(stack.Client, "sum(no_such_metric)", start, end, TimeSpan.FromSeconds(1), Ct));
        Assert.Contains("returned no data", nothing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_simulates_the_demand_of_a_short_live_run_and_refuses_several_series_with_the_sum_suggestion()
    {
        var (stack, start, end) = (run.Stack, run.Start.ToUnixTimeSeconds(), run.End.ToUnixTimeSeconds());
        using var dir = new TempDirectory();
        string[] range = ["--prometheus", stack.Server.Url.ToString(), "--start", Str(start), "--end", Str(end), "--step", "1s"];

        await using var replay = AutoscalerProcess.Start(["replay", "--query", Demand, .. range, "--policy", "hpa", "--output", dir.Path], null);
        Assert.Equal(0, await replay.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var summary = await File.ReadAllTextAsync(Path.Combine(dir.Path, "summary.json"), Ct);
        using var json = System.Text.Json.JsonDocument.Parse(summary);
        Assert.Equal(["oracle", "hpa"], json.RootElement.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policy").GetString()));
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.html")));

        await using var several = AutoscalerProcess.Start(["replay", "--query", "rate(webapp_request_count_total[5s])", .. range], null);
        Assert.Equal(2, await several.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("wrap it in sum(...)", several.Output, StringComparison.Ordinal);

        await using var down = AutoscalerProcess.Start(["replay", "--query", Demand, "--prometheus", "http://127.0.0.1:1", "--start", Str(start), "--end", Str(end)], null);
        Assert.Equal(1, await down.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Warm_up_feeds_the_points_of_the_live_run_into_the_predictive_policy()
    {
        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        await stack.WaitForAsync(() => stack.Client.QueryScalarAsync("up{job=\"webapp\"}", Ct), r => r.Value == 1, "the replica scraped");
        var rate = await DriveAsync(stack, TimeSpan.FromSeconds(15));

        // A 6 s "season" in 1 s slots; two seasons of history is the last 12 s of the run.
        var policy = new PredictivePolicy(new PredictivePolicyOptions
        {
            Target = 5,
            SeasonLength = TimeSpan.FromSeconds(6),
            SampleInterval = TimeSpan.FromSeconds(1),
            Horizon = TimeSpan.FromSeconds(2),
            WarmUpSeasons = 2,
        }, TimeProvider.System);
        Assert.False(policy.IsWarm);

        var result = await PredictiveWarmUp.WarmAsync(policy, Demand, stack.Client, TimeProvider.System, Ct);

        Assert.True(result.Succeeded, result.Problem);
        Assert.InRange(result.Points, 10, 13);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Step);
        Assert.True(policy.IsWarm, PredictiveWarmUp.Describe("rps", policy, result));
        Assert.InRange(policy.HistorySlots, result.Points - 1, result.Points);
        var proposal = policy.Propose(1, MetricReading.Ok("rps", 20));
        Assert.InRange(policy.LastForecast!.Value, rate * 0.3, (rate * 2) + 2); // about the rate the run sent
        Assert.True(proposal.Replicas >= 4, proposal.ToString()); // never below the reactive ceil(20 / 5)
    }

    [Fact]
    public async Task The_scaler_warms_a_predictive_policy_from_prometheus_at_start_and_starts_cold_when_it_is_down()
    {
        using var dir = new TempDirectory();
        var file = dir.File("predictive.yaml");
        await File.WriteAllTextAsync(file, """
            minReplicas: 1
            maxReplicas: 2
            checkInterval: 1s
            metrics:
              - name: workers
                query: sum(webapp_workers)
                predictive: {value: 100, seasonLength: 6s, sampleInterval: 1s, horizon: 2s, warmUpSeasons: 1}
            """, Ct);
        var basePort = 24000 + (Environment.ProcessId % 100 * 20);

        await using (var cold = AutoscalerProcess.Start(
            "scaler", "--policy", file, "--port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--replica-ports", $"{basePort}-{basePort + 4}", "--prometheus-url", "http://127.0.0.1:1"))
        {
            // The warm-up runs in the service's own task as the scaler starts (a slow history read delays no other service).
            await cold.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
            await cold.WaitForLineAsync(
                new Regex(Regex.Escape("predictive policy for metric 'workers' starts cold: cannot read its history from Prometheus: cannot reach Prometheus at http://127.0.0.1:1/")),
                TimeSpan.FromSeconds(30));
        }

        await using var stack = await PrometheusStack.StartAsync(replicas: 1, Ct);
        await stack.WaitForAsync(
            () => stack.Client.QueryScalarAsync("count_over_time(sum(webapp_workers)[8s:1s])", Ct), r => r.Value >= 7, "8 s of history");
        await using var warm = AutoscalerProcess.Start(
            "scaler", "--policy", file, "--port", FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            "--replica-ports", $"{basePort + 5}-{basePort + 9}", "--prometheus-url", stack.Server.Url.ToString());
        var line = await warm.WaitForLineAsync(WarmedPattern(), TimeSpan.FromSeconds(30));
        Assert.InRange(int.Parse(WarmedPattern().Match(line).Groups[1].Value, CultureInfo.InvariantCulture), 5, 7);
        await warm.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
    }

    private static Regex WarmedPattern() => new(@"predictive policy for metric 'workers' read (\d+) values of its history since", RegexOptions.CultureInvariant);
}
