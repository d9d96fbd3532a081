using Autoscaler.Core.Behavior;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>One metric of a policy: its query, the rule applied to it, and what to do when it fails.</summary>
public sealed class MetricSpec
{
    /// <summary>Name in logs, decisions and telemetry.</summary>
    public string Name { get; set; } = "";

    /// <summary>PromQL that yields one value; empty for a <c>fixed</c> policy.</summary>
    public string Query { get; set; } = "";

    /// <summary>Set for the <c>threshold</c> policy.</summary>
    public ThresholdPolicyOptions? Threshold { get; set; }

    /// <summary>Set for the <c>target</c> policy.</summary>
    public TargetPolicyOptions? Target { get; set; }

    /// <summary>Set for the <c>predictive</c> policy.</summary>
    public PredictivePolicyOptions? Predictive { get; set; }

    /// <summary>Set for the <c>slo</c> policy.</summary>
    public SloPolicyOptions? Slo { get; set; }

    /// <summary>Set for the <c>fixed</c> policy.</summary>
    public int? Fixed { get; set; }

    /// <summary>The rule's name: <c>threshold</c>, <c>target</c>, <c>predictive</c>, <c>slo</c> or <c>fixed</c>.</summary>
    public string Rule => Threshold is not null ? "threshold" : Target is not null ? "target" : Predictive is not null ? "predictive" : Slo is not null ? "slo" : "fixed";

    /// <summary>The extra queries the rule reads beside <see cref="Query"/> (the <c>slo</c> rule's learning inputs), as (reading name, PromQL).</summary>
    public IReadOnlyList<(string Name, string Query)> Inputs => Slo?.InputsFor(Name) ?? [];

    /// <summary>What to do when the metric has no value.</summary>
    public MetricFailureHandling OnFailure { get; set; } = MetricFailureHandling.Hold;

    /// <summary>KEDA's activation threshold: with minReplicas 0, above it the service runs; null: none.</summary>
    public double? ActivationThreshold { get; set; }

    /// <summary>The policy object for this metric; <paramref name="time"/> stamps what a stateful policy remembers (virtual in the simulator).</summary>
    public IScalingPolicy CreatePolicy(TimeProvider time) =>
        Threshold is { } t ? new ThresholdPolicy(t)
        : Target is { } g ? new TargetPolicy(g)
        : Predictive is { } p ? new PredictivePolicy(p, time)
        : Slo is { } o ? new SloPolicy(o, time, Name)
        : new FixedPolicy(Fixed ?? 0);
}

/// <summary>A whole scaling policy: limits, metrics with their rules, and the behavior stage.</summary>
public sealed class PolicySpec
{
    /// <summary>Fewest replicas.</summary>
    public int MinReplicas { get; set; } = 1;

    /// <summary>Most replicas.</summary>
    public int MaxReplicas { get; set; } = 6;

    /// <summary>Time between evaluations, when the policy says.</summary>
    public TimeSpan? CheckInterval { get; set; }

    /// <summary>The metrics; each yields a proposal and the largest wins.</summary>
    public List<MetricSpec> Metrics { get; set; } = [];

    /// <summary>With activation thresholds and minReplicas 0: how long no metric may be active before scaling to zero (KEDA's cooldownPeriod).</summary>
    public TimeSpan ScaleToZeroAfter { get; set; } = DecisionPipeline.DefaultScaleToZeroAfter;

    /// <summary>The behavior as written; null when the file has none.</summary>
    public ScalingBehavior? Behavior { get; set; }

    /// <summary>
    /// The behavior in force: as written; or, when none is written, nothing at all for a policy made only of
    /// <c>threshold</c> rules (the original scripts' behavior), <see cref="ScalingBehavior.SloDefaults"/> when any rule
    /// is <c>slo</c>, and Kubernetes HPA's defaults otherwise.
    /// </summary>
    public ScalingBehavior EffectiveBehavior =>
        Behavior ?? (Metrics.All(m => m.Threshold is not null) ? ScalingBehavior.None
            : Metrics.Any(m => m.Slo is not null) ? ScalingBehavior.SloDefaults
            : ScalingBehavior.HpaDefaults);

    /// <summary>The pipeline this policy describes.</summary>
    public DecisionPipeline CreatePipeline(TimeProvider time) => new(
        [.. Metrics.Select(m => new PolicyBinding(m.Name, m.CreatePolicy(time), m.OnFailure, m.ActivationThreshold))],
        new ScalingLimits { MinReplicas = MinReplicas, MaxReplicas = MaxReplicas },
        time,
        EffectiveBehavior,
        ScaleToZeroAfter);
}
