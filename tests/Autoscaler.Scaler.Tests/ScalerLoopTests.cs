using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Autoscaler.Scaler.Tests;

public sealed partial class ScalerLoopTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeLogger<ScalerLoop> _log = new();
    private readonly ScriptedSource _source = new("avg_rt");
    private readonly InMemoryTarget _target = new(1);
    private readonly ScalerOptions _options = new();
    private readonly ScalerTelemetry _telemetry = new(Metrics.NewCustomRegistry());
    private readonly ScalerState _state;
    private readonly ScalerLoop _loop;

    public ScalerLoopTests()
    {
        _state = new ScalerState(_target.Name, "avg_rt", _options.Query);
        var pipeline = new DecisionPipeline([new PolicyBinding("avg_rt", new ThresholdPolicy(_options.ToThresholds()))], _options.ToLimits(), _clock);
        _loop = new ScalerLoop(_target, new ScalingStep(pipeline, [_source]), _options, _state, _telemetry, _clock, _log);
    }

    [Fact]
    public async Task High_latency_scales_up_one_step_per_evaluation_with_the_original_log_lines()
    {
        _source.Next(MetricReading.Ok("avg_rt", 0.75));
        await _loop.EvaluateAsync(CancellationToken.None);

        Assert.Equal(2, _target.Replicas);
        var lines = _log.Collector.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains("avg_rt=0.75 current_replicas=1", lines);
        Assert.Contains(lines, l => l.StartsWith("Scaling from 1 -> 2", StringComparison.Ordinal));

        _source.Next(MetricReading.Ok("avg_rt", 0.9));
        await _loop.EvaluateAsync(CancellationToken.None);
        Assert.Equal(3, _target.Replicas);
        var status = _state.Snapshot();
        Assert.Equal((3, 3, 0.9), (status.CurrentReplicas!.Value, status.DesiredReplicas!.Value, status.LastMetricValue!.Value));
        Assert.Equal(2, status.LastDecisions.Count);
    }

    [Fact]
    public async Task Dry_run_decides_logs_and_exports_but_never_calls_the_target()
    {
        _options.DryRun = true;
        _source.Next(MetricReading.Ok("avg_rt", 0.9));

        var entry = await _loop.EvaluateAsync(CancellationToken.None);

        Assert.Equal(2, entry!.Decision.DesiredReplicas);
        Assert.Null(entry.Action);
        Assert.Equal((1, 0), (_target.Replicas, _target.ScaleCalls));
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message.StartsWith("Dry run: would scale from 1 -> 2", StringComparison.Ordinal));
        Assert.Contains("autoscaler_decisions_total{direction=\"up\",reason=\"policy\",service=\"webapp\"} 1", await ExportAsync(), StringComparison.Ordinal);
        Assert.Contains("autoscaler_proposed_replicas{metric=\"avg_rt\",policy=\"threshold\",service=\"webapp\"} 2", await ExportAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_loop_evaluates_every_check_interval_on_its_clock()
    {
        _source.Next(MetricReading.Ok("avg_rt", 0.4));
        await _loop.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => _loop.Evaluations == 1);
            _clock.Advance(TimeSpan.FromSeconds(9));
            Assert.Equal(1, _loop.Evaluations);
            _clock.Advance(TimeSpan.FromSeconds(1));
            await WaitFor(() => _loop.Evaluations == 2);
            Assert.Equal(0, _target.ScaleCalls);
        }
        finally
        {
            await _loop.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Ticks_keep_to_their_schedule_even_when_time_passes_before_the_wait_begins()
    {
        _source.Next(MetricReading.Ok("avg_rt", 0.4));
        await _loop.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => _loop.Evaluations == 1);
            // Two whole intervals at once: the tick due at 10 s runs at once, the next one at 20 s.
            _clock.Advance(TimeSpan.FromSeconds(20));
            await WaitFor(() => _loop.Evaluations >= 2);
            _clock.Advance(TimeSpan.FromSeconds(10));
            await WaitFor(() => _loop.Evaluations >= 3);
            Assert.InRange(_loop.Evaluations, 3, 4);
        }
        finally
        {
            await _loop.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_failing_metric_holds_the_count_is_logged_once_and_counted()
    {
        _target.Replicas = 3;
        for (var i = 0; i < 3; i++)
        {
            _source.Next(MetricReading.Failed("avg_rt", MetricFailureKind.Unreachable, "connection refused"));
            await _loop.EvaluateAsync(CancellationToken.None);
        }

        Assert.Equal(0, _target.ScaleCalls);
        Assert.Single(_log.Collector.GetSnapshot(), r => r.Message.Contains("has no value", StringComparison.Ordinal));
        Assert.Equal(3, _log.Collector.GetSnapshot().Count(r => r.Message == "avg_rt=none current_replicas=3"));
        var exported = await ExportAsync();
        Assert.Contains("autoscaler_query_errors_total{metric=\"avg_rt\",kind=\"unreachable\",service=\"webapp\"} 3", exported, StringComparison.Ordinal);

        _source.Next(MetricReading.Ok("avg_rt", 0.1));
        await _loop.EvaluateAsync(CancellationToken.None);
        Assert.Equal(2, _target.Replicas);
        Assert.Single(_log.Collector.GetSnapshot(), r => r.Message.Contains("has a value again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_target_that_cannot_be_read_stops_nothing_and_the_loop_goes_on()
    {
        _target.FailReads = true;
        _source.Next(MetricReading.Ok("avg_rt", 0.9));
        Assert.Null(await _loop.EvaluateAsync(CancellationToken.None));
        Assert.Contains("cannot read the replica count", _state.Snapshot().LastError, StringComparison.Ordinal);

        _target.FailReads = false;
        _source.Next(MetricReading.Ok("avg_rt", 0.9));
        Assert.NotNull(await _loop.EvaluateAsync(CancellationToken.None));
        Assert.Equal(2, _target.Replicas);
    }

    [Fact]
    public async Task Telemetry_exports_replicas_value_decisions_and_actions()
    {
        _source.Next(MetricReading.Ok("avg_rt", 0.75));
        await _loop.EvaluateAsync(CancellationToken.None);
        var text = await ExportAsync();
        Assert.Contains("autoscaler_current_replicas{service=\"webapp\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_desired_replicas{service=\"webapp\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_metric_value{metric=\"avg_rt\",service=\"webapp\"} 0.75", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_decisions_total{direction=\"up\",reason=\"policy\",service=\"webapp\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_scale_actions_total{result=\"success\",service=\"webapp\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("autoscaler_evaluation_duration_seconds_count{service=\"webapp\"} 1", text, StringComparison.Ordinal);
    }

    private async Task<string> ExportAsync()
    {
        using var stream = new MemoryStream();
        await _telemetry.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    [Fact]
    public async Task Alert_triggered_evaluations_decide_but_only_ticks_teach_a_learning_rule_and_a_missing_input_is_named_as_such()
    {
        var slo = new Autoscaler.Core.Policies.Slo.SloPolicy(
            new() { Workers = 4, ServiceTime = TimeSpan.FromMilliseconds(100), Forecast = Autoscaler.Core.Policies.Slo.SloForecast.None, Learn = new() { Latency = "l" } },
            _clock, "rps");
        var demand = new ScriptedSource("rps");
        var latency = new ScriptedSource("rps.latency");
        var pipeline = new DecisionPipeline([new PolicyBinding("rps", slo)], new ScalingLimits { MinReplicas = 1, MaxReplicas = 10 }, _clock);
        using var loop = new ScalerLoop(_target, new ScalingStep(pipeline, [demand, latency]), _options, _state, _telemetry, _clock, _log);
        demand.Next(MetricReading.Ok("rps", 10));

        // The latency input fails: the rule still decides, and the log says it is an input, not the decision metric.
        Assert.NotNull(await loop.EvaluateAsync(EvaluationTriggers.Alert(["HighResponseTime"]), CancellationToken.None));
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message.StartsWith("Learning input rps.latency has no value", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Collector.GetSnapshot(), r => r.Message.StartsWith("Metric rps.latency has no value", StringComparison.Ordinal));

        // 10/s on one replica is well within the model, yet the latency breaks the bound: checks in a row correct the model.
        latency.Next(MetricReading.Ok("rps.latency", 0.6));
        for (var i = 0; i < 5; i++)
        {
            await loop.EvaluateAsync(EvaluationTriggers.Alert(["HighResponseTime"]), CancellationToken.None);
        }

        Assert.Equal(1, slo.Snapshot.Correction);
        for (var i = 0; i < 5; i++)
        {
            await loop.EvaluateAsync(CancellationToken.None);
        }

        Assert.True(slo.Snapshot.Correction < 1, $"correction {slo.Snapshot.Correction}");
    }

    private sealed class ScriptedSource(string name) : IMetricSource
    {
        private MetricReading _next = MetricReading.Failed(name, MetricFailureKind.NoData, "nothing scripted");

        public string Name => name;

        public void Next(MetricReading reading) => _next = reading;

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_next);
    }

    private sealed class InMemoryTarget(int replicas) : IScaleTarget
    {
        public int Replicas { get; set; } = replicas;

        public int ScaleCalls { get; private set; }

        public bool FailReads { get; set; }

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) =>
            FailReads ? Task.FromException<int>(new IOException("gone")) : Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            ScaleCalls++;
            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }
    }
}
