using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Pipeline;

/// <summary>The original scripts' rule, with DESIGN.md's defaults: up above 0.6 s, down below 0.2 s, 1..6 replicas.</summary>
public sealed class DefaultPolicyDecisionTableTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    private DecisionPipeline Pipeline() =>
        new([new PolicyBinding("avg_rt", new ThresholdPolicy(new ThresholdPolicyOptions()))], new ScalingLimits(), _clock);

    [Theory]
    [InlineData(0.75, 1, 2, "above")]
    [InlineData(0.61, 3, 4, "above")]
    [InlineData(0.75, 6, 6, "capped at max 6")]
    [InlineData(0.10, 3, 2, "below")]
    [InlineData(0.19, 2, 1, "below")]
    [InlineData(0.10, 1, 1, "raised to min 1")]
    [InlineData(0.40, 3, 3, "between")]
    [InlineData(0.60, 3, 3, "between")]
    [InlineData(0.20, 3, 3, "between")]
    public void Decides_like_the_original_scripts(double avgRt, int current, int desired, string reason)
    {
        var decision = Pipeline().Decide(current, [MetricReading.Ok("avg_rt", avgRt)]);
        Assert.Equal(desired, decision.DesiredReplicas);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MetricFailureKind.NoData)]
    [InlineData(MetricFailureKind.Unreachable)]
    [InlineData(MetricFailureKind.NotFinite)]
    public void Holds_when_the_metric_has_no_value(MetricFailureKind failure)
    {
        var decision = Pipeline().Decide(3, [MetricReading.Failed("avg_rt", failure, "nothing")]);
        Assert.Equal(3, decision.DesiredReplicas);
        Assert.Equal(ScalingDirection.None, decision.Direction);
        Assert.Contains("holding", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_record_carries_the_time_the_readings_and_the_proposal()
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        var decision = Pipeline().Decide(1, [MetricReading.Ok("avg_rt", 0.75)]);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 15, TimeSpan.Zero), decision.Time);
        Assert.Equal(0.75, Assert.Single(decision.Readings).Value);
        var proposal = Assert.Single(decision.Proposals);
        Assert.Equal(("threshold", "avg_rt", 2), (proposal.Policy, proposal.Metric, proposal.Replicas!.Value));
        Assert.Equal(ScalingDirection.Up, decision.Direction);
    }

    [Fact]
    public void A_failed_metric_never_lets_the_set_scale_down()
    {
        var pipeline = new DecisionPipeline(
        [
            new PolicyBinding("avg_rt", new ThresholdPolicy(new ThresholdPolicyOptions())),
            new PolicyBinding("queue", new ThresholdPolicy(new ThresholdPolicyOptions { ScaleUpThreshold = 50, ScaleDownThreshold = 5 })),
        ], new ScalingLimits(), _clock);

        var decision = pipeline.Decide(4, [MetricReading.Ok("avg_rt", 0.05), MetricReading.Failed("queue", MetricFailureKind.Timeout, "slow")]);
        Assert.Equal(4, decision.DesiredReplicas);
        Assert.Contains("never scale down", decision.Reason, StringComparison.Ordinal);

        var up = pipeline.Decide(4, [MetricReading.Ok("avg_rt", 0.9), MetricReading.Failed("queue", MetricFailureKind.Timeout, "slow")]);
        Assert.Equal(5, up.DesiredReplicas);
    }

    [Fact]
    public void The_largest_proposal_wins()
    {
        var pipeline = new DecisionPipeline(
        [
            new PolicyBinding("avg_rt", new ThresholdPolicy(new ThresholdPolicyOptions())),
            new PolicyBinding("queue", new ThresholdPolicy(new ThresholdPolicyOptions { ScaleUpThreshold = 50, ScaleDownThreshold = 5 })),
        ], new ScalingLimits(), _clock);

        var decision = pipeline.Decide(3, [MetricReading.Ok("avg_rt", 0.05), MetricReading.Ok("queue", 80)]);
        Assert.Equal(4, decision.DesiredReplicas);
    }

    [Fact]
    public void Limits_and_thresholds_are_validated_with_key_and_value()
    {
        var limits = new ScalingLimitsValidator().Validate("Scaler", new ScalingLimits { MinReplicas = 5, MaxReplicas = 2 });
        Assert.Contains("Scaler:MinReplicas = 5", limits.FailureMessage, StringComparison.Ordinal);
        var thresholds = new ThresholdPolicyOptionsValidator().Validate("Scaler", new ThresholdPolicyOptions { ScaleUpThreshold = 0.2, ScaleDownThreshold = 0.6 });
        Assert.Contains("Scaler:ScaleDownThreshold = 0.6", thresholds.FailureMessage, StringComparison.Ordinal);
    }
}
