using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Pipeline;

/// <summary>
/// The step the live loop and the simulator share: each read of the policy is bound to its source when the step is
/// built, then read, decided on and told what was applied.
/// </summary>
public sealed class ScalingStepTests
{
    private const string Policy = """
        minReplicas: 1
        maxReplicas: 10
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[30s]))
            slo:
              latency: 500ms
              workers: 8
              serviceTime: 50ms
              learn:
                latency: avg(webapp_response_time_seconds)
          - name: floor
            query: ""
            fixed: 2
          - name: avg_rt
            query: avg(webapp_response_time_seconds)
            threshold: {up: 0.6, down: 0.2}
        """;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Build_binds_one_source_to_every_metric_then_every_learning_input_in_the_order_they_are_read()
    {
        var asked = new List<MetricRead>();
        var step = ScalingStep.Build(PolicyFile.Parse(Policy), _clock, read =>
        {
            asked.Add(read);
            return new Constant(read.Name, 0.1);
        });

        Assert.Equal(
            [
                new MetricRead("rps", "sum(rate(webapp_request_count_total[30s]))"),
                new MetricRead("floor", ""),
                new MetricRead("avg_rt", "avg(webapp_response_time_seconds)"),
                new MetricRead("rps.latency", "avg(webapp_response_time_seconds)"),
            ],
            asked);
        Assert.Equal(["rps", "floor", "avg_rt", "rps.latency"], step.Sources.Select(s => s.Name));
    }

    [Fact]
    public async Task A_step_decides_on_what_its_bound_sources_read()
    {
        var values = new Dictionary<string, double> { ["rps"] = 1, ["avg_rt"] = 0.9, ["rps.latency"] = 0.05 };
        var step = ScalingStep.Build(PolicyFile.Parse(Policy), _clock, read => read.Query.Length == 0 ? new NothingToRead(read.Name) : new Constant(read.Name, values[read.Name]));

        var readings = await step.ReadAsync(CancellationToken.None);
        var decision = step.Decide(3, readings, learn: true);

        Assert.Equal([1, 0, 0.9, 0.05], readings.Select(r => r.Value ?? double.NaN));
        // avg_rt 0.9 is above its 0.6: one more than 3 (the fixed floor of 2 and the slo's few replicas for 1 req/s lose).
        Assert.Equal(4, decision.DesiredReplicas);
        Assert.Equal("avg_rt", decision.Proposals.MaxBy(p => p.Replicas)!.Metric);
    }

    [Fact]
    public async Task Sources_that_answer_at_once_make_the_read_complete_at_once()
    {
        var step = ScalingStep.Build(PolicyFile.Parse(Policy), _clock, read => new Constant(read.Name, 0.3));

        var read = step.ReadAsync(CancellationToken.None);

        Assert.True(read.IsCompletedSuccessfully);
        Assert.All(await read, r => Assert.Equal(0.3, r.Value));
    }

    private sealed class Constant(string name, double value) : IMetricSource
    {
        public string Name => name;

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok(name, value));
    }
}
