using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Behavior;

/// <summary>
/// Cases from the Kubernetes HorizontalPodAutoscaler documentation and the controller's documented
/// behavior (algorithm details, tolerance, behavior policies, stabilization), on a fake clock.
/// </summary>
public sealed class HpaConformanceTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DecisionPipeline Hpa(double target, TargetType type = TargetType.Value, ScalingBehavior? behavior = null, int max = 100) =>
        new([new PolicyBinding("m", new TargetPolicy(new TargetPolicyOptions { Target = target, Type = type }))],
            new ScalingLimits { MinReplicas = 1, MaxReplicas = max }, _clock, behavior ?? ScalingBehavior.HpaDefaults);

    private static MetricReading M(double value) => MetricReading.Ok("m", value);

    [Theory]
    // desiredReplicas = ceil[currentReplicas * (currentMetricValue / desiredMetricValue)]
    [InlineData(1, 200, 100, 2)] // the docs' example: 200m against 100m doubles the replicas
    [InlineData(4, 50, 100, 2)] // 50m against 100m halves them
    [InlineData(4, 105, 100, 4)] // ratio 1.05: inside the 0.1 tolerance, no change
    [InlineData(4, 91, 100, 4)] // ratio 0.91: inside the tolerance
    [InlineData(4, 111, 100, 5)] // ratio 1.11: ceil(4.44) = 5
    [InlineData(3, 250, 100, 8)] // ceil(7.5) = 8
    public void Value_target_follows_the_ratio_outside_the_tolerance(int current, double value, double target, int expected)
    {
        var decision = Hpa(target).Decide(current, [M(value)]);
        Assert.Equal(expected, decision.Recommendation);
    }

    [Theory]
    [InlineData(3, 450, 100, 5)] // 450 req/s at 100 per replica: ceil(4.5)
    [InlineData(5, 510, 100, 5)] // ratio 1.02 per replica: within tolerance
    [InlineData(4, 100, 100, 1)] // ratio 0.25: ceil(1)
    public void AverageValue_target_divides_the_total_by_the_target(int current, double total, double perReplica, int expected)
    {
        var decision = Hpa(perReplica, TargetType.AverageValue).Decide(current, [M(total)]);
        Assert.Equal(expected, decision.Recommendation);
    }

    [Theory]
    // Default scale-up: 4 pods or 100 % per 15 s, whichever allows more.
    [InlineData(1, 10, 5)] // max(1 + 4, 2) = 5
    [InlineData(2, 10, 6)] // max(6, 4) = 6
    [InlineData(10, 50, 20)] // max(14, 20) = 20
    public void Default_scale_up_allows_the_larger_of_4_pods_and_100_percent(int current, int recommendation, int expected)
    {
        var decision = Hpa(100).Decide(current, [M(recommendation * 100.0 / current)]);
        Assert.Equal(recommendation, decision.Recommendation);
        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.Equal(DecisionCauses.RateLimit, decision.Cause);
    }

    [Fact]
    public void Scale_up_events_in_the_period_count_against_the_limit_until_the_period_has_passed()
    {
        var pipeline = Hpa(100);
        var first = pipeline.Decide(10, [M(500)]);
        Assert.Equal(20, first.DesiredReplicas);
        pipeline.Applied(first.CurrentReplicas, 20);

        _clock.Advance(TimeSpan.FromSeconds(5));
        var held = pipeline.Decide(20, [M(250)]); // wants 50; the period started at 10
        Assert.Equal(20, held.DesiredReplicas);

        _clock.Advance(TimeSpan.FromSeconds(11));
        var next = pipeline.Decide(20, [M(250)]);
        Assert.Equal(40, next.DesiredReplicas);
    }

    [Fact]
    public void SelectPolicy_Min_takes_the_rule_allowing_the_smaller_change()
    {
        var behavior = ScalingBehavior.HpaDefaults;
        behavior.ScaleUp.SelectPolicy = SelectPolicy.Min;
        var decision = Hpa(100, behavior: behavior).Decide(10, [M(500)]);
        Assert.Equal(14, decision.DesiredReplicas); // min(10 + 4, 20)
    }

    [Fact]
    public void SelectPolicy_Disabled_never_scales_in_that_direction()
    {
        var behavior = ScalingBehavior.HpaDefaults;
        behavior.ScaleDown.SelectPolicy = SelectPolicy.Disabled;
        behavior.ScaleDown.StabilizationWindowSeconds = 0;
        var pipeline = Hpa(100, behavior: behavior);
        Assert.Equal(8, pipeline.Decide(8, [M(10)]).DesiredReplicas);
        Assert.Contains(pipeline.Decide(8, [M(10)]).Adjustments, a => a.Contains("scale-down disabled", StringComparison.Ordinal));
        Assert.Equal(16, pipeline.Decide(8, [M(200)]).DesiredReplicas);
    }

    [Fact]
    public void Scale_down_waits_for_the_highest_recommendation_in_the_300_s_window()
    {
        var pipeline = Hpa(100);
        // t=0: load needs 10; t=60 s: it needs only 5, but 10 is still in the window.
        Assert.Equal(10, pipeline.Decide(10, [M(100)]).DesiredReplicas);
        _clock.Advance(TimeSpan.FromSeconds(60));
        var held = pipeline.Decide(10, [M(50)]);
        Assert.Equal(5, held.Recommendation);
        Assert.Equal(10, held.DesiredReplicas);
        Assert.Equal(DecisionCauses.Stabilization, held.Cause);

        // t=240 s: a brief rise to 8 enters the window.
        _clock.Advance(TimeSpan.FromSeconds(180));
        Assert.Equal(10, pipeline.Decide(10, [M(80)]).DesiredReplicas);

        // t=301 s: the 10 has left the window; the highest left is 8.
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(8, pipeline.Decide(10, [M(50)]).DesiredReplicas);

        // t=541 s: the 8 (from t=240) has left too.
        _clock.Advance(TimeSpan.FromSeconds(240));
        Assert.Equal(5, pipeline.Decide(8, [M(62.5)]).DesiredReplicas);
    }

    [Fact]
    public void Scale_down_rate_limit_counts_replicas_removed_in_the_period()
    {
        var behavior = ScalingBehavior.HpaDefaults;
        behavior.ScaleDown.StabilizationWindowSeconds = 0;
        behavior.ScaleDown.Policies = [new ScalingRule(ScalingRuleType.Pods, 2, 60)];
        var pipeline = Hpa(100, behavior: behavior);

        var first = pipeline.Decide(10, [M(10)]);
        Assert.Equal(8, first.DesiredReplicas);
        pipeline.Applied(first.CurrentReplicas, 8);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(8, pipeline.Decide(8, [M(10)]).DesiredReplicas); // 2 already removed in this 60 s period
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(6, pipeline.Decide(8, [M(10)]).DesiredReplicas);
    }

    [Fact]
    public void The_largest_of_several_metrics_wins()
    {
        var pipeline = new DecisionPipeline(
        [
            new PolicyBinding("cpu", new TargetPolicy(new TargetPolicyOptions { Target = 50 })),
            new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 100, Type = TargetType.AverageValue })),
        ], new ScalingLimits { MaxReplicas = 100 }, _clock, ScalingBehavior.HpaDefaults);

        var decision = pipeline.Decide(4, [MetricReading.Ok("cpu", 75), MetricReading.Ok("rps", 700)]);
        Assert.Equal(7, decision.Recommendation); // max(ceil(4 × 1.5) = 6, ceil(700 / 100) = 7)
        Assert.Equal(2, decision.Proposals.Count);
    }

    [Fact]
    public void A_failed_metric_blocks_scale_down_but_not_scale_up()
    {
        var pipeline = new DecisionPipeline(
        [
            new PolicyBinding("cpu", new TargetPolicy(new TargetPolicyOptions { Target = 50 })),
            new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 100, Type = TargetType.AverageValue })),
        ], new ScalingLimits { MaxReplicas = 100 }, _clock, ScalingBehavior.None);
        var failed = MetricReading.Failed("rps", MetricFailureKind.QueryError, "bad_data");

        Assert.Equal(6, pipeline.Decide(6, [MetricReading.Ok("cpu", 10), failed]).DesiredReplicas);
        Assert.Equal(9, pipeline.Decide(6, [MetricReading.Ok("cpu", 75), failed]).DesiredReplicas);
    }

    [Fact]
    public void The_clamp_comes_last_after_the_behavior()
    {
        var decision = Hpa(100, max: 5).Decide(2, [M(1000)]);
        Assert.Equal(20, decision.Recommendation);
        Assert.Equal(5, decision.DesiredReplicas);
        Assert.Equal(DecisionCauses.Max, decision.Cause);
        Assert.Equal(2, decision.Adjustments.Count); // the rate limit (to 6), then the clamp (to 5)
    }
}
