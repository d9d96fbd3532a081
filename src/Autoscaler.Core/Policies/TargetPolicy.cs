using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>What a target value means (Kubernetes HPA's metric target types).</summary>
public enum TargetType
{
    /// <summary>The metric is a whole-service value (e.g. mean latency) to hold at the target.</summary>
    Value,

    /// <summary>The metric is a total (e.g. request rate) to divide by replicas; each replica should see the target.</summary>
    AverageValue,
}

/// <summary>Options of the <c>target</c> policy.</summary>
public sealed class TargetPolicyOptions
{
    /// <summary>Kubernetes HPA's default tolerance (the controller manager's --horizontal-pod-autoscaler-tolerance).</summary>
    public const double DefaultTolerance = 0.1;

    /// <summary>The value to hold (per replica for <see cref="TargetType.AverageValue"/>).</summary>
    [Range(1e-12, double.MaxValue, ErrorMessage = "must be above 0")]
    public double Target { get; set; } = 1;

    /// <summary>Value or AverageValue.</summary>
    public TargetType Type { get; set; } = TargetType.Value;

    /// <summary>No change while |value/target − 1| is within this (HPA's default 0.1).</summary>
    [Range(0.0, 1.0)]
    public double Tolerance { get; set; } = DefaultTolerance;

    /// <summary>
    /// Scale up only when value/target exceeds 1 + this; null: <see cref="Tolerance"/>. Kubernetes 1.33+ sets it per
    /// direction (<c>behavior.scaleUp.tolerance</c>, KEP-4951).
    /// </summary>
    [Range(0.0, 1.0)]
    public double? ScaleUpTolerance { get; set; }

    /// <summary>Scale down only when value/target falls below 1 − this; null: <see cref="Tolerance"/>.</summary>
    [Range(0.0, 1.0)]
    public double? ScaleDownTolerance { get; set; }

    /// <summary>The tolerance in force for a ratio above 1.</summary>
    public double EffectiveScaleUpTolerance => ScaleUpTolerance ?? Tolerance;

    /// <summary>The tolerance in force for a ratio below 1.</summary>
    public double EffectiveScaleDownTolerance => ScaleDownTolerance ?? Tolerance;
}

/// <summary>
/// Kubernetes HPA's rule: <c>desired = ceil(current × value / target)</c> for a Value target,
/// <c>ceil(value / target)</c> for an AverageValue target, unchanged while the ratio is within the tolerance.
/// </summary>
public sealed class TargetPolicy(TargetPolicyOptions options) : IScalingPolicy
{
    /// <inheritdoc />
    public string Name => "target";

    /// <inheritdoc />
    public ScalingProposal Propose(int currentReplicas, MetricReading reading)
    {
        if (reading.Value is not { } value)
        {
            return new ScalingProposal(Name, reading.Metric, null, ScalingProposal.NoValue, failure: reading.Failure);
        }

        // At zero replicas a ratio has nothing to multiply; count from one so demand can start the service.
        var basis = Math.Max(currentReplicas, 1);
        var ratio = options.Type == TargetType.Value ? value / options.Target : value / (options.Target * basis);
        var tolerance = ratio >= 1 ? options.EffectiveScaleUpTolerance : options.EffectiveScaleDownTolerance;
        if (Math.Abs(ratio - 1) <= tolerance)
        {
            return new ScalingProposal(Name, reading.Metric, currentReplicas, Within, value, options.Target, tolerance);
        }

        var desired = options.Type == TargetType.Value
            ? (int)Math.Ceiling(basis * ratio)
            : (int)Math.Ceiling(value / options.Target);
        return new ScalingProposal(Name, reading.Metric, desired,
            options.Type == TargetType.AverageValue ? AgainstPerReplica : Against, value, options.Target, ratio);
    }

    private static readonly ProposalFormatter Within = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} within {p.Extra:P0} of target {p.Bound:0.###}");

    private static readonly ProposalFormatter Against = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} against target {p.Bound:0.###} (ratio {p.Extra:0.###})");

    private static readonly ProposalFormatter AgainstPerReplica = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} against target {p.Bound:0.###} per replica (ratio {p.Extra:0.###})");
}
