using System.Globalization;
using System.Text.RegularExpressions;
using Autoscaler.Core;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Autoscaler.Scaler.Tests;

/// <summary>What <c>/metrics</c> tells an operator beyond the decisions: build, runtime, limits, thresholds, timings, failures.</summary>
public sealed partial class ScalerTelemetryTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly ScalerTelemetry _telemetry;

    public ScalerTelemetryTests() => _telemetry = new ScalerTelemetry(Metrics.NewCustomRegistry(), _clock);

    [Fact]
    public async Task The_build_and_the_runtime_are_exported_beside_process_and_dotnet_metrics()
    {
        var text = await ExportAsync();

        Assert.Contains($"autoscaler_build_info{{version=\"{BuildInfo.Version}\",commit=\"{BuildInfo.Commit}\",runtime=\"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}\"}} 1", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^process_cpu_seconds_total \S+$", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^process_working_set_bytes [1-9]", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^dotnet_total_memory_bytes [1-9]", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^dotnet_collection_count_total\{generation=""0""\} \S+$", RegexOptions.Multiline), text);
    }

    [Fact]
    public async Task Limits_interval_and_every_rule_s_thresholds_are_exported_as_the_policy_says()
    {
        var policy = new PolicySpec
        {
            MinReplicas = 2,
            MaxReplicas = 9,
            Metrics =
            [
                new MetricSpec { Name = "avg_rt", Query = "q1", Threshold = new ThresholdPolicyOptions { ScaleUpThreshold = 0.45, ScaleDownThreshold = 0.15 } },
                new MetricSpec { Name = "rps", Query = "q2", Target = new TargetPolicyOptions { Target = 30, Type = TargetType.AverageValue } },
                new MetricSpec { Name = "p95", Query = "q3", Target = new TargetPolicyOptions { Target = 0.3 } },
                new MetricSpec { Name = "demand", Query = "q4", Predictive = new PredictivePolicyOptions { Target = 25 } },
                new MetricSpec { Name = "floor", Fixed = 2 },
            ],
        };

        _telemetry.SetConfiguration(policy, TimeSpan.FromSeconds(15));

        var text = await ExportAsync();
        Assert.Contains("autoscaler_min_replicas{service=\"webapp\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_max_replicas{service=\"webapp\"} 9", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_check_interval_seconds{service=\"webapp\"} 15", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_threshold{metric=\"avg_rt\",bound=\"scale_up\",service=\"webapp\"} 0.45", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_threshold{metric=\"avg_rt\",bound=\"scale_down\",service=\"webapp\"} 0.15", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_threshold{metric=\"rps\",bound=\"target_per_replica\",service=\"webapp\"} 30", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_threshold{metric=\"p95\",bound=\"target\",service=\"webapp\"} 0.3", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_threshold{metric=\"demand\",bound=\"target_per_replica\",service=\"webapp\"} 25", text, StringComparison.Ordinal);
        Assert.DoesNotContain("metric=\"floor\"", text, StringComparison.Ordinal); // a fixed rule compares with nothing
    }

    [Fact]
    public async Task The_limits_follow_the_ones_in_force_at_each_evaluation_as_a_schedule_window_changes_them()
    {
        _telemetry.SetConfiguration(new PolicySpec { MinReplicas = 1, MaxReplicas = 6, Metrics = [new MetricSpec { Name = "avg_rt", Query = "q", Fixed = 1 }] }, TimeSpan.FromSeconds(10));

        _telemetry.Record(new ScalingDecision(Start, 4, 4, [], [], "window business-hours", DecisionCauses.Min) { MinReplicas = 4, MaxReplicas = 12 }, null, TimeSpan.Zero);

        var text = await ExportAsync();
        Assert.Contains("autoscaler_min_replicas{service=\"webapp\"} 4", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_max_replicas{service=\"webapp\"} 12", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_that_cannot_be_read_is_counted_as_such_not_as_a_query_error_and_leaves_the_last_evaluation_time()
    {
        var target = new Target { FailReads = true };
        var loop = Loop(target, new Source("avg_rt", 0.9, TimeSpan.Zero, _clock));

        _clock.Advance(TimeSpan.FromSeconds(10));
        await loop.EvaluateAsync(CancellationToken.None);
        await loop.EvaluateAsync(CancellationToken.None);

        var text = await ExportAsync();
        Assert.Contains("autoscaler_target_read_errors_total{service=\"webapp\"} 2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("metric=\"target\"", text, StringComparison.Ordinal);
        Assert.Equal(Start.ToUnixTimeSeconds(), LastEvaluation(text)); // no decision: still the start

        target.FailReads = false;
        _clock.Advance(TimeSpan.FromSeconds(10));
        await loop.EvaluateAsync(CancellationToken.None);
        Assert.Equal(Start.AddSeconds(20).ToUnixTimeSeconds(), LastEvaluation(await ExportAsync()));
    }

    [Fact]
    public async Task Each_metric_s_query_time_is_observed_by_metric()
    {
        var loop = Loop(new Target(), new Source("avg_rt", 0.3, TimeSpan.FromMilliseconds(250), _clock), new Source("rps", 12, TimeSpan.FromMilliseconds(40), _clock));

        await loop.EvaluateAsync(CancellationToken.None);
        await loop.EvaluateAsync(CancellationToken.None);

        var text = await ExportAsync();
        Assert.Contains("autoscaler_query_duration_seconds_count{metric=\"avg_rt\",service=\"webapp\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_query_duration_seconds_sum{metric=\"avg_rt\",service=\"webapp\"} 0.5", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_query_duration_seconds_sum{metric=\"rps\",service=\"webapp\"} 0.08", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_query_duration_seconds_bucket{metric=\"rps\",service=\"webapp\",le=\"0.064\"} 2", text, StringComparison.Ordinal);
    }

    private ScalerLoop Loop(Target target, params Source[] sources)
    {
        var options = new ScalerOptions();
        var pipeline = new DecisionPipeline(
            [.. sources.Select(s => new PolicyBinding(s.Name, new ThresholdPolicy(options.ToThresholds())))], options.ToLimits(), _clock);
        IReadOnlyList<IMetricSource> timed = [.. sources.Select(s => new TimedMetricSource(s, _telemetry, _clock))];
        return new ScalerLoop(target, new ScalingStep(pipeline, timed), options, new ScalerState(target.Name, sources[0].Name, "q"), _telemetry, _clock, NullLogger<ScalerLoop>.Instance);
    }

    private static long LastEvaluation(string text) =>
        (long)double.Parse(LastEvaluationLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);

    private async Task<string> ExportAsync()
    {
        using var stream = new MemoryStream();
        await _telemetry.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [GeneratedRegex(@"^autoscaler_last_evaluation_timestamp_seconds\{service=""webapp""\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex LastEvaluationLine();

    /// <summary>A query that takes <paramref name="takes"/> of (fake) time and answers <paramref name="value"/>.</summary>
    private sealed class Source(string name, double value, TimeSpan takes, FakeTimeProvider clock) : IMetricSource
    {
        public string Name => name;

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
        {
            clock.Advance(takes);
            return ValueTask.FromResult(MetricReading.Ok(name, value));
        }
    }

    private sealed class Target : IScaleTarget
    {
        public bool FailReads { get; set; }

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) =>
            FailReads ? Task.FromException<int>(new IOException("gone")) : Task.FromResult(2);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken) => Task.FromResult(new ScaleResult(true, replicas, "ok"));
    }
}
