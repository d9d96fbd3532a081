using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Behavior;

/// <summary>
/// KEDA's activation phase: with minReplicaCount 0 the service is started when a trigger rises above its
/// activationThreshold and scaled to zero once no trigger has been active for cooldownPeriod; between 1 and
/// max the HPA rules apply. With a minimum above zero the activation threshold changes nothing.
/// </summary>
public sealed class KedaActivationTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DecisionPipeline Keda(int min = 0) => new(
        [new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue }), new MetricFailureHandling(IgnoreNullValues: true), ActivationThreshold: 5)],
        new ScalingLimits { MinReplicas = min, MaxReplicas = 10 }, _clock, behavior: null, scaleToZeroAfter: TimeSpan.FromSeconds(60));

    private static MetricReading[] Rps(double value) => [MetricReading.Ok("rps", value)];

    [Fact]
    public void At_zero_a_value_at_or_below_the_activation_threshold_keeps_zero_and_above_it_starts_the_service()
    {
        var pipeline = Keda();
        Assert.Equal((0, DecisionCauses.Inactive), Result(pipeline.Decide(0, Rps(5))));
        Assert.Equal((0, DecisionCauses.Inactive), Result(pipeline.Decide(0, [MetricReading.Failed("rps", MetricFailureKind.NoData, "empty")]))); // null as 0
        Assert.Equal(1, pipeline.Decide(0, Rps(5.5)).DesiredReplicas); // active; ceil(5.5 / 10) = 1
        Assert.Equal(3, pipeline.Decide(0, Rps(25)).DesiredReplicas);
    }

    [Fact]
    public void Below_activation_the_service_keeps_at_least_one_replica_until_the_cooldown_period_has_passed_then_goes_to_zero()
    {
        var pipeline = Keda();
        Assert.Equal(2, pipeline.Decide(1, Rps(20)).DesiredReplicas); // active at t=0
        _clock.Advance(TimeSpan.FromSeconds(30));
        var waiting = pipeline.Decide(2, Rps(1));
        Assert.Equal(1, waiting.DesiredReplicas); // the target rule says ceil(0.1) = 1; not zero yet
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, pipeline.Decide(1, Rps(1)).DesiredReplicas); // 59 s since active
        _clock.Advance(TimeSpan.FromSeconds(1));
        var off = pipeline.Decide(1, Rps(1));
        Assert.Equal((0, DecisionCauses.Inactive), Result(off));
        Assert.Contains("activation threshold", off.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_activation_metric_never_scales_to_zero()
    {
        var pipeline = new DecisionPipeline(
            [new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue }), ActivationThreshold: 5)],
            new ScalingLimits { MinReplicas = 0, MaxReplicas = 10 }, _clock, scaleToZeroAfter: TimeSpan.Zero);
        Assert.Equal(2, pipeline.Decide(2, [MetricReading.Failed("rps", MetricFailureKind.Timeout, "slow")]).DesiredReplicas);
    }

    [Fact]
    public void With_a_minimum_above_zero_the_activation_threshold_changes_nothing()
    {
        var pipeline = Keda(min: 1);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal((1, DecisionCauses.Policy), Result(pipeline.Decide(1, Rps(1))));
    }

    private static (int, string) Result(ScalingDecision d) => (d.DesiredReplicas, d.Cause);
}
