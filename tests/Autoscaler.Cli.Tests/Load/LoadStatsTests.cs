using System.Text.Json;
using Autoscaler.Cli.Load;

namespace Autoscaler.Cli.Tests.Load;

public sealed class LoadStatsTests
{
    private static readonly LoadRunInfo Info = new("http://127.0.0.1:8000/", "constant 100 req/s", TimeSpan.FromSeconds(3));

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Percentiles_come_from_the_recorded_latencies()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(1));
        for (var i = 1; i <= 100; i++)
        {
            stats.RecordSent(Ms(i), late: false);
            stats.RecordSuccess(Ms(i), Ms(i), "r1");
        }

        var latency = stats.Summarize(Info, TimeSpan.FromSeconds(1), interrupted: false).LatencyMs;

        Assert.Equal(100, latency.Count);
        Assert.Equal(50.5, latency.Mean, 0.1);
        Assert.Equal(50, latency.P50, 0.1);
        Assert.Equal(90, latency.P90, 0.1);
        Assert.Equal(99, latency.P99, 0.1);
        Assert.Equal(100, latency.Max, 0.1);
    }

    [Fact]
    public void Sub_millisecond_latencies_keep_their_precision()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(1));
        stats.RecordSuccess(TimeSpan.Zero, TimeSpan.FromMicroseconds(250), null);

        Assert.Equal(0.25, stats.Summarize(Info, TimeSpan.FromSeconds(1), false).LatencyMs.P50, 0.001);
    }

    [Fact]
    public void Counts_failures_by_kind_rates_late_sends_and_replicas()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 10; i++)
        {
            stats.RecordSent(Ms(i * 100), late: i < 2);
        }

        stats.RecordSkipped(Ms(1000), FailureKinds.ClientOverloaded);
        for (var i = 0; i < 6; i++)
        {
            stats.RecordSuccess(Ms(i * 100), Ms(5), i % 2 == 0 ? "Replica-A" : "replica-b");
        }

        stats.RecordFailure(Ms(600), FailureKinds.ForStatus(503), "Replica-A");
        stats.RecordFailure(Ms(700), FailureKinds.ForStatus(503), "Replica-A");
        stats.RecordFailure(Ms(800), FailureKinds.Timeout);

        var summary = stats.Summarize(Info, TimeSpan.FromSeconds(2), interrupted: true);

        Assert.Equal(11, summary.Scheduled);
        Assert.Equal(10, summary.Sent);
        Assert.Equal(6, summary.Succeeded);
        Assert.Equal(4, summary.Failed);
        Assert.Equal(1, summary.Unfinished);
        Assert.Equal(new Dictionary<string, long> { ["client_overloaded"] = 1, ["http_503"] = 2, ["timeout"] = 1 }, summary.Failures);
        Assert.Equal(new Dictionary<string, long> { ["Replica-A"] = 5, ["replica-b"] = 3 }, summary.Replicas);
        Assert.Equal(5, summary.AchievedRate);
        Assert.Equal(5.5, summary.AskedRate);
        Assert.Equal(2, summary.LateSends);
        Assert.Equal(0.2, summary.LateFraction);
        Assert.True(summary.Interrupted);
    }

    [Fact]
    public void Per_second_buckets_go_by_intended_send_time()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(3));
        stats.RecordSent(Ms(100), false);
        stats.RecordSent(Ms(900), true);
        stats.RecordSent(Ms(1500), false);
        stats.RecordSuccess(Ms(100), Ms(10), null);
        stats.RecordSuccess(Ms(900), Ms(30), null); // completes in second 1, counts in second 0
        stats.RecordFailure(Ms(1500), FailureKinds.Connection);

        var seconds = stats.Summarize(Info, TimeSpan.FromSeconds(3), false).Seconds;

        Assert.Equal(
            [new SecondBucket(0, 2, 2, 0, 20, 1), new SecondBucket(1, 1, 0, 1, 0, 0), new SecondBucket(2, 0, 0, 0, 0, 0)],
            seconds);
    }

    [Fact]
    public void An_interrupted_run_has_buckets_only_for_the_seconds_it_ran()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(30));

        Assert.Equal(3, stats.Summarize(Info, TimeSpan.FromSeconds(2.5), true).Seconds.Count);
    }

    [Fact]
    public void Json_is_camel_case_and_keeps_replica_names_as_they_are()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(1));
        stats.RecordSent(TimeSpan.Zero, false);
        stats.RecordSuccess(TimeSpan.Zero, Ms(3), "Web-1");

        using var json = JsonDocument.Parse(stats.Summarize(Info, TimeSpan.FromSeconds(1), false).ToJson());
        var root = json.RootElement;

        Assert.Equal(1, root.GetProperty("succeeded").GetInt64());
        Assert.Equal(1, root.GetProperty("achievedRate").GetDouble());
        Assert.Equal(1, root.GetProperty("replicas").GetProperty("Web-1").GetInt64());
        Assert.Equal(3, root.GetProperty("latencyMs").GetProperty("p99").GetDouble(), 0.01);
        Assert.Equal(1, root.GetProperty("seconds")[0].GetProperty("sent").GetInt64());
        Assert.Equal(3, root.GetProperty("seconds")[0].GetProperty("meanLatencyMs").GetDouble(), 0.01);
    }

    [Fact]
    public void Text_summary_names_every_figure()
    {
        var stats = new LoadStats(TimeSpan.FromSeconds(1));
        stats.RecordSent(TimeSpan.Zero, true);
        stats.RecordSent(TimeSpan.Zero, false);
        stats.RecordSuccess(TimeSpan.Zero, Ms(12), "r1");
        stats.RecordFailure(TimeSpan.Zero, FailureKinds.ForStatus(503), "r1");

        var text = stats.Summarize(Info, TimeSpan.FromSeconds(1), false).ToText();

        Assert.Contains("2 sent, 1 succeeded, 1 failed", text, StringComparison.Ordinal);
        Assert.Contains("failures   http_503 1", text, StringComparison.Ordinal);
        Assert.Contains("2.0 req/s achieved", text, StringComparison.Ordinal);
        Assert.Contains("p50 12", text, StringComparison.Ordinal);
        Assert.Contains("late sends 1 (50%)", text, StringComparison.Ordinal);
        Assert.Contains("replicas   1 answered: r1 2", text, StringComparison.Ordinal);
    }
}
