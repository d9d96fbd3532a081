using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class PolicyFileTests
{
    private const string Full = """
        minReplicas: 2
        maxReplicas: 12
        checkInterval: 15s
        metrics:
          - name: avg_rt
            query: avg(avg_over_time(webapp_response_time_seconds[30s]))
            threshold: {up: 0.6, down: 0.2, step: 50, stepType: Percent}
          - name: rps
            query: sum(rate(webapp_request_count_total[1m]))
            target: {value: 30, type: AverageValue}
            onError: fallback
            fallback: {failureThreshold: 3, replicas: 4}
            ignoreNullValues: true
        behavior:
          scaleUp:
            policies: [{type: Pods, value: 2, periodSeconds: 30}]
            cooldown: 1m
          scaleDown:
            stabilizationWindowSeconds: 120
            selectPolicy: Min
            policies:
              - {type: Percent, value: 50, periodSeconds: 60}
        """;

    [Fact]
    public void A_full_policy_is_read_with_every_field()
    {
        var spec = PolicyFile.Parse(Full);
        Assert.Equal((2, 12, TimeSpan.FromSeconds(15)), (spec.MinReplicas, spec.MaxReplicas, spec.CheckInterval!.Value));
        Assert.Equal(2, spec.Metrics.Count);
        Assert.Equal((0.6, 0.2, 50, ThresholdStepType.Percent), (spec.Metrics[0].Threshold!.ScaleUpThreshold, spec.Metrics[0].Threshold!.ScaleDownThreshold, spec.Metrics[0].Threshold!.Step, spec.Metrics[0].Threshold!.StepType));
        Assert.Equal((30.0, TargetType.AverageValue, 0.1), (spec.Metrics[1].Target!.Target, spec.Metrics[1].Target!.Type, spec.Metrics[1].Target!.Tolerance));
        Assert.Equal(new(3, 4, true), spec.Metrics[1].OnFailure);
        Assert.Equal(TimeSpan.FromMinutes(1), spec.Behavior!.ScaleUp.Cooldown);
        Assert.Equal((120, SelectPolicy.Min), (spec.Behavior.ScaleDown.StabilizationWindowSeconds, spec.Behavior.ScaleDown.SelectPolicy));
        Assert.Equal(new ScalingRule(ScalingRuleType.Percent, 50, 60), Assert.Single(spec.Behavior.ScaleDown.Policies));
    }

    [Fact]
    public void Without_a_behavior_threshold_only_policies_keep_the_original_scripts_behavior_and_others_get_hpa_defaults()
    {
        var threshold = PolicyFile.Parse("metrics: [{name: a, query: q, threshold: {up: 0.6, down: 0.2}}]");
        Assert.Empty(threshold.EffectiveBehavior.ScaleUp.Policies);
        Assert.Equal(0, threshold.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds);

        var target = PolicyFile.Parse("metrics: [{name: a, query: q, target: {value: 0.3}}]");
        Assert.Equal(300, target.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(2, target.EffectiveBehavior.ScaleUp.Policies.Count);
    }

    [Fact]
    public void The_pipeline_it_builds_applies_the_rules_as_written()
    {
        var clock = new FakeTimeProvider();
        var pipeline = PolicyFile.Parse(Full).CreatePipeline(clock);
        // rps 300 at 30 per replica wants 10; scale-up is limited to 2 pods per 30 s from 4.
        var decision = pipeline.Decide(4, [MetricReading.Ok("avg_rt", 0.4), MetricReading.Ok("rps", 300)]);
        Assert.Equal((10, 6), (decision.Recommendation, decision.DesiredReplicas));
    }

    [Fact]
    public void Writing_then_reading_gives_the_same_policy()
    {
        var spec = PolicyFile.Parse(Full);
        var written = PolicyFile.Write(spec);
        var again = PolicyFile.Parse(written);
        Assert.Equal(written, PolicyFile.Write(again));
        Assert.Equal(spec.Metrics[1].OnFailure, again.Metrics[1].OnFailure);
        Assert.Equal(spec.Behavior!.ScaleDown.Policies, again.Behavior!.ScaleDown.Policies);
    }

    [Theory]
    [InlineData("metrics: [{name: a, query: q, threshold: {up: 0.6, down: 0.2}}]\nmaxReplica: 3", "policy:2: maxReplica: unknown field")]
    [InlineData("metrics:\n  - name: a\n    query: q\n    target: {value: lots}", "policy:4: metrics[0].target.value: 'lots' is not a number")]
    [InlineData("metrics:\n  - name: a\n    threshold: {up: 0.6, down: 0.2}", "policy:2: metrics[0].query: is required")]
    [InlineData("metrics:\n  - name: a\n    query: q\n    threshold: {up: 0.2, down: 0.6}", "metrics[0].threshold.down: 0.6 must be below up 0.2")]
    [InlineData("minReplicas: 5\nmaxReplicas: 2\nmetrics: [{name: a, query: q, fixed: 3}]", "policy:1: minReplicas: 5 must not exceed maxReplicas 2")]
    [InlineData("metrics:\n  - name: a\n    query: q\n    target: {value: 1}\n    threshold: {up: 1, down: 0}", "only one policy per metric")]
    [InlineData("metrics: [{name: a, query: q, fixed: 1}]\nbehavior:\n  scaleUp:\n    selectPolicy: Sometimes", "policy:4: behavior.scaleUp.selectPolicy: 'Sometimes' is not one of Max, Min, Disabled")]
    [InlineData("metrics: [a, b\n", "policy:2: not valid YAML")]
    public void A_malformed_file_names_the_line_and_the_field(string text, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse(text));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse("maxReplicas: -1\nmetrics:\n  - name: a\n    target: {value: 0}\n  - query: q\n    fixed: 2"));
        Assert.True(error.Problems.Count >= 4, string.Join("\n", error.Problems));
    }
}
