using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Pipeline;

/// <summary>
/// The simulator evaluates the pipeline millions of times: in steady state an evaluation must not allocate,
/// whatever path it takes (scale up, rate limit, stabilization, a failed metric, the fallback, the clamp).
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Evaluate_allocates_nothing_in_steady_state_on_every_path()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var behavior = ScalingBehavior.HpaDefaults;
        behavior.ScaleUp.Cooldown = TimeSpan.FromSeconds(20);
        var pipeline = new DecisionPipeline(
        [
            new PolicyBinding("latency", new ThresholdPolicy(new ThresholdPolicyOptions())),
            new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 30, Type = TargetType.AverageValue })),
            new PolicyBinding("queue", new TargetPolicy(new TargetPolicyOptions { Target = 5 }), new MetricFailureHandling(3, 4)),
            new PolicyBinding("floor", new FixedPolicy(1)),
        ], new ScalingLimits { MinReplicas = 2, MaxReplicas = 9 }, clock, behavior);

        // Demand rising and falling, with the queue metric failing for a while: every stage takes part.
        MetricReading[][] cycle =
        [
            [MetricReading.Ok("latency", 0.9), MetricReading.Ok("rps", 400), MetricReading.Ok("queue", 20), MetricReading.Ok("floor", 0)],
            [MetricReading.Ok("latency", 0.4), MetricReading.Ok("rps", 95), MetricReading.Ok("queue", 4.8), MetricReading.Ok("floor", 0)],
            [MetricReading.Ok("latency", 0.1), MetricReading.Ok("rps", 10), MetricReading.Failed("queue", MetricFailureKind.Timeout, "timed out"), MetricReading.Ok("floor", 0)],
            [MetricReading.Ok("latency", 0.1), MetricReading.Ok("rps", 10), MetricReading.Failed("queue", MetricFailureKind.NoData, "empty"), MetricReading.Ok("floor", 0)],
            [MetricReading.Ok("latency", 0.1), MetricReading.Ok("rps", 10), MetricReading.Ok("queue", 1), MetricReading.Ok("floor", 0)],
        ];
        var current = 3;
        var kinds = new HashSet<string>();
        void Run(int evaluations)
        {
            for (var i = 0; i < evaluations; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                var result = pipeline.Evaluate(current, cycle[i / 7 % cycle.Length]);
                if (result.DesiredReplicas != current)
                {
                    pipeline.Applied(current, result.DesiredReplicas);
                    current = result.DesiredReplicas;
                }

                kinds.Add(result.Cause);
            }
        }

        Run(2_000); // warm up: histories reach their steady size
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Superset(new HashSet<string> { DecisionCauses.Policy, DecisionCauses.RateLimit, DecisionCauses.Stabilization, DecisionCauses.Cooldown, DecisionCauses.FailedMetric, DecisionCauses.Max }, kinds);
    }

    [Fact]
    public void Evaluate_allocates_nothing_with_a_formula_an_open_schedule_window_and_a_pause()
    {
        // Twelve thousand evaluations 5 s apart span under 17 hours: all inside the window, which is computed once.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero));
        var spec = PolicyFile.Parse("""
            minReplicas: 1
            maxReplicas: 20
            behavior: {}
            metrics:
              - {name: p2d_ratio, query: q1}
              - {name: qlen, query: q2, ignoreNullValues: true}
            formula:
              expression: "p2d_ratio > 2 ? max(p2d_ratio, qlen / 1000) : (p2d_ratio + qlen / 1000) / 2"
              target: {value: 1.2, type: Value}
              onError: fallback
              fallback: {failureThreshold: 3, replicas: 4}
            schedules:
              - {name: day, start: "0 0 * * *", duration: 23h, minReplicas: 2, maxReplicas: 9}
            """);
        var pipeline = spec.CreatePipeline(clock);
        MetricReading[][] cycle =
        [
            [MetricReading.Ok("p2d_ratio", 3), MetricReading.Ok("qlen", 2500)],
            [MetricReading.Ok("p2d_ratio", 0.5), MetricReading.Ok("qlen", 900)],
            [MetricReading.Failed("p2d_ratio", MetricFailureKind.Timeout, "timed out"), MetricReading.Failed("qlen", MetricFailureKind.NoData, "empty")],
            [MetricReading.Ok("p2d_ratio", 0.1), MetricReading.Ok("qlen", 10)],
        ];
        var current = 3;
        var causes = new HashSet<string>();
        void Run(int evaluations)
        {
            for (var i = 0; i < evaluations; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                if (i % 500 == 250)
                {
                    pipeline.Pause(Paused);
                }
                else if (i % 500 == 0)
                {
                    pipeline.Resume();
                }

                var result = pipeline.Evaluate(current, cycle[i / 7 % cycle.Length]);
                if (result.DesiredReplicas != current)
                {
                    pipeline.Applied(current, result.DesiredReplicas);
                    current = result.DesiredReplicas;
                }

                causes.Add(result.Cause);
            }
        }

        Run(2_000); // warm up: histories reach their steady size
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Superset(new HashSet<string> { DecisionCauses.Policy, DecisionCauses.Paused, DecisionCauses.NoData, DecisionCauses.Fallback, DecisionCauses.Min, DecisionCauses.Max }, causes);
    }

    [Fact]
    public void Evaluate_allocates_nothing_through_an_outage_and_the_recovery_after_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var pipeline = new DecisionPipeline(
            [new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 30, Type = TargetType.AverageValue }), new MetricFailureHandling(3, 2)) { RecoveryWindow = TimeSpan.FromSeconds(30) }],
            new ScalingLimits { MinReplicas = 1, MaxReplicas = 9 }, clock);
        MetricReading[][] cycle =
        [
            .. Enumerable.Repeat<MetricReading[]>([MetricReading.Ok("rps", 200)], 2),
            .. Enumerable.Repeat<MetricReading[]>([MetricReading.Failed("rps", MetricFailureKind.Timeout, "timed out")], 5),
            .. Enumerable.Repeat<MetricReading[]>([MetricReading.Ok("rps", 20)], 5),
        ];
        var current = 3;
        var causes = new HashSet<string>();
        void Run(int evaluations)
        {
            for (var i = 0; i < evaluations; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(10));
                var result = pipeline.Evaluate(current, cycle[i % cycle.Length]);
                current = result.DesiredReplicas;
                causes.Add(result.Cause);
            }
        }

        Run(1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Superset(new HashSet<string> { DecisionCauses.Policy, DecisionCauses.NoData, DecisionCauses.FailedMetric, DecisionCauses.Recovering }, causes);
    }

    private static readonly ScalingPause Paused = new(5, PauseSources.Api, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Decide_renders_the_same_count_and_the_phrases_that_Evaluate_skips()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        DecisionPipeline Make() => new(
            [new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue }))],
            new ScalingLimits { MinReplicas = 1, MaxReplicas = 6 }, clock, ScalingBehavior.HpaDefaults);
        var evaluated = Make().Evaluate(1, [MetricReading.Ok("rps", 100)]);
        var decided = Make().Decide(1, [MetricReading.Ok("rps", 100)]);

        Assert.Equal(evaluated.DesiredReplicas, decided.DesiredReplicas);
        Assert.Equal(5, decided.DesiredReplicas); // ceil(100/10) = 10, the up limit (4 pods or 100 %) allows 5
        Assert.Equal("rps", Assert.Single(decided.Proposals).Metric);
        Assert.Equal("100 against target 10 per replica (ratio 10); scale-up limit (4 pods per 15s up): 10 -> 5", decided.Reason);
        Assert.Equal(DecisionCauses.RateLimit, decided.Cause);
    }
}
