using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Behavior;

public sealed class FailureAndCooldownTests
{
    private readonly FakeTimeProvider _clock = new();

    private static readonly MetricReading Broken = MetricReading.Failed("m", MetricFailureKind.Unreachable, "down");

    private DecisionPipeline With(MetricFailureHandling handling) =>
        new([new PolicyBinding("m", new TargetPolicy(new TargetPolicyOptions { Target = 100 }), handling)], new ScalingLimits { MaxReplicas = 20 }, _clock);

    [Fact]
    public void Keda_fallback_applies_after_exactly_the_failure_threshold_and_ends_on_the_first_success()
    {
        var pipeline = With(new MetricFailureHandling(FallbackAfter: 3, FallbackReplicas: 7));

        Assert.Equal(2, pipeline.Decide(2, [Broken]).DesiredReplicas);
        Assert.Equal(2, pipeline.Decide(2, [Broken]).DesiredReplicas);
        var third = pipeline.Decide(2, [Broken]);
        Assert.Equal(7, third.DesiredReplicas);
        Assert.Equal(DecisionCauses.Fallback, third.Cause);
        Assert.Equal(7, pipeline.Decide(7, [Broken]).DesiredReplicas);

        var recovered = pipeline.Decide(7, [MetricReading.Ok("m", 100)]);
        Assert.Equal(7, recovered.DesiredReplicas);
        Assert.Equal(DecisionCauses.Policy, recovered.Cause);
        Assert.Equal(7, pipeline.Decide(7, [Broken]).DesiredReplicas); // the count starts again from zero
        Assert.Equal(DecisionCauses.NoData, pipeline.Decide(7, [Broken]).Cause);
    }

    [Fact]
    public void IgnoreNullValues_treats_an_empty_result_as_zero_only_when_asked()
    {
        var empty = MetricReading.Failed("m", MetricFailureKind.NoData, "empty vector");

        var held = With(MetricFailureHandling.Hold).Decide(4, [empty]);
        Assert.Equal(4, held.DesiredReplicas);
        Assert.Equal(DecisionCauses.NoData, held.Cause);

        var zero = With(new MetricFailureHandling(IgnoreNullValues: true)).Decide(4, [empty]);
        Assert.Equal(0, zero.Readings[0].Value);
        Assert.Equal(1, zero.DesiredReplicas); // ceil(4 × 0) = 0, raised to min 1

        // Other failures are still failures.
        Assert.Equal(4, With(new MetricFailureHandling(IgnoreNullValues: true)).Decide(4, [Broken]).DesiredReplicas);
    }

    [Fact]
    public void Without_behavior_the_threshold_policy_moves_one_step_every_evaluation_as_the_original_scripts()
    {
        var pipeline = new DecisionPipeline([new PolicyBinding("m", new ThresholdPolicy(new ThresholdPolicyOptions()))], new ScalingLimits(), _clock);
        var current = 1;
        foreach (var value in new[] { 0.9, 0.9, 0.1, 0.9, 0.1, 0.1 })
        {
            var d = pipeline.Decide(current, [MetricReading.Ok("m", value)]);
            Assert.Equal(current + (value > 0.6 ? 1 : -1), d.DesiredReplicas);
            pipeline.Applied(d.CurrentReplicas, d.DesiredReplicas);
            current = d.DesiredReplicas;
            _clock.Advance(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void Threshold_step_can_be_a_percentage()
    {
        var policy = new ThresholdPolicy(new ThresholdPolicyOptions { Step = 50, StepType = ThresholdStepType.Percent });
        Assert.Equal(15, policy.Propose(10, MetricReading.Ok("m", 0.9)).Replicas);
        Assert.Equal(5, policy.Propose(10, MetricReading.Ok("m", 0.1)).Replicas);
        Assert.Equal(2, policy.Propose(1, MetricReading.Ok("m", 0.9)).Replicas); // at least one replica
    }

    [Fact]
    public void A_metric_oscillating_around_the_threshold_every_tick_acts_at_most_once_per_cooldown()
    {
        var behavior = ScalingBehavior.None;
        behavior.ScaleUp.Cooldown = TimeSpan.FromSeconds(60);
        behavior.ScaleDown.Cooldown = TimeSpan.FromSeconds(60);
        var pipeline = new DecisionPipeline([new PolicyBinding("m", new ThresholdPolicy(new ThresholdPolicyOptions()))], new ScalingLimits(), _clock, behavior);

        var current = 3;
        var actions = new List<TimeSpan>();
        var start = _clock.GetUtcNow();
        for (var tick = 0; tick < 60; tick++)
        {
            var d = pipeline.Decide(current, [MetricReading.Ok("m", tick % 2 == 0 ? 0.9 : 0.1)]);
            if (d.DesiredReplicas != current)
            {
                pipeline.Applied(d.CurrentReplicas, d.DesiredReplicas);
                current = d.DesiredReplicas;
                actions.Add(_clock.GetUtcNow() - start);
            }
            else if (tick > 0)
            {
                // Held by the cooldown, or by min/max: every tick without an action says what held it.
                Assert.NotEmpty(d.Adjustments);
            }

            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        // 10 minutes of flapping input, 60 s cooldown: at most one action per minute.
        Assert.InRange(actions.Count, 2, 10);
        Assert.All(actions.Zip(actions.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromSeconds(60)));
    }
}
