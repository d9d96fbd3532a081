using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Pipeline;

/// <summary>A paused pipeline goes on deciding, says what the policy would choose, and returns only the paused count.</summary>
public sealed class PauseTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);

    private DecisionPipeline Rps(ScalingPause? pause = null) => new(
        [new PolicyBinding("rps", new TargetPolicy(new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue }))],
        new ScalingLimits { MinReplicas = 1, MaxReplicas = 8 }, _clock, pause: pause);

    [Fact]
    public void A_paused_pipeline_returns_the_paused_count_and_its_record_says_what_the_policy_would_choose()
    {
        var pipeline = Rps();
        pipeline.Pause(new ScalingPause(2, PauseSources.Api, Start));

        var decision = pipeline.Decide(4, [MetricReading.Ok("rps", 60)]);

        Assert.Equal((2, 6, DecisionCauses.Paused), (decision.DesiredReplicas, decision.PolicyReplicas, decision.Cause));
        Assert.Equal(ScalingDirection.Down, decision.Direction);
        Assert.Equal(2, decision.Pause!.Replicas);
        Assert.Equal("paused at 2 (api, since 2026-03-02 09:00:00Z); the policy would choose 6: 60 against target 10 per replica (ratio 1.5)", decision.Reason);
        Assert.Equal(2, pipeline.Evaluate(4, [MetricReading.Ok("rps", 60)]).DesiredReplicas);
    }

    [Fact]
    public void A_pause_without_a_count_holds_whatever_count_the_target_has()
    {
        var pipeline = Rps();
        pipeline.Pause(new ScalingPause(null, PauseSources.Api, Start));

        Assert.Equal(3, pipeline.Evaluate(3, [MetricReading.Ok("rps", 80)]).DesiredReplicas);
        Assert.Equal(5, pipeline.Evaluate(5, [MetricReading.Ok("rps", 10)]).DesiredReplicas);
        Assert.StartsWith("paused at the current count (api", pipeline.Decide(5, [MetricReading.Ok("rps", 10)]).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_hands_the_count_back_to_the_policy_and_a_second_resume_finds_nothing()
    {
        var pipeline = Rps(new ScalingPause(2, PauseSources.Policy, Start));
        Assert.Equal(2, pipeline.Evaluate(4, [MetricReading.Ok("rps", 60)]).DesiredReplicas);

        var was = pipeline.Resume();

        Assert.Equal(PauseSources.Policy, was!.Source);
        Assert.Null(pipeline.Resume());
        var decision = pipeline.Decide(4, [MetricReading.Ok("rps", 60)]);
        Assert.Equal((6, DecisionCauses.Policy), (decision.DesiredReplicas, decision.Cause));
        Assert.Null(decision.Pause);
    }

    [Fact]
    public void A_pause_may_hold_a_count_below_the_minimum_as_keda_allows()
    {
        var pipeline = Rps(new ScalingPause(0, PauseSources.Api, Start));
        Assert.Equal(0, pipeline.Evaluate(3, [MetricReading.Ok("rps", 60)]).DesiredReplicas);
    }

    [Fact]
    public void A_policy_file_with_pausedReplicas_starts_paused_at_that_count()
    {
        var spec = PolicyFile.Parse("""
            maxReplicas: 8
            pausedReplicas: 3
            metrics: [{name: rps, query: q, target: {value: 10, type: AverageValue}}]
            """);

        var pipeline = spec.CreatePipeline(_clock);

        Assert.Equal(new ScalingPause(3, PauseSources.Policy, Start), pipeline.Paused);
        Assert.Equal(3, pipeline.Evaluate(1, [MetricReading.Ok("rps", 75)]).DesiredReplicas);
    }

    [Fact]
    public void A_policy_file_with_paused_true_starts_paused_at_the_current_count()
    {
        var spec = PolicyFile.Parse("paused: true\nmetrics: [{name: rps, query: q, target: {value: 10, type: AverageValue}}]");

        var pipeline = spec.CreatePipeline(_clock);

        Assert.Null(pipeline.Paused!.Replicas);
        Assert.Equal(4, pipeline.Evaluate(4, [MetricReading.Ok("rps", 75)]).DesiredReplicas);
    }
}
