using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;

namespace Autoscaler.Core.Pipeline;

/// <summary>Which way a decision moves the replica count.</summary>
public enum ScalingDirection
{
    /// <summary>Keep the count.</summary>
    None,

    /// <summary>More replicas.</summary>
    Up,

    /// <summary>Fewer replicas.</summary>
    Down,
}

/// <summary>One evaluation of the pipeline: what it saw, what each policy proposed, and what it chose.</summary>
/// <param name="Time">When the evaluation ran.</param>
/// <param name="CurrentReplicas">The count read from the target.</param>
/// <param name="DesiredReplicas">The count chosen after combining, behavior and clamping.</param>
/// <param name="Readings">Each metric's value or failure.</param>
/// <param name="Proposals">Each policy's proposal.</param>
/// <param name="Reason">Why the chosen count, in one phrase.</param>
/// <param name="Cause">The reason as a short label for telemetry (<see cref="DecisionCauses"/>).</param>
public sealed record ScalingDecision(
    DateTimeOffset Time,
    int CurrentReplicas,
    int DesiredReplicas,
    IReadOnlyList<MetricReading> Readings,
    IReadOnlyList<ScalingProposal> Proposals,
    string Reason,
    string Cause)
{
    /// <summary>The combined proposal before the behavior stage and clamping.</summary>
    public int Recommendation { get; init; }

    /// <summary>What the behavior stage and the clamp changed, one phrase each (which window, rule or cooldown bound it).</summary>
    public IReadOnlyList<string> Adjustments { get; init; } = [];

    /// <summary>The fewest replicas in force (the policy's, or a schedule window's).</summary>
    public int MinReplicas { get; init; }

    /// <summary>The most replicas in force (the policy's, or a schedule window's).</summary>
    public int MaxReplicas { get; init; }

    /// <summary>The schedule windows open at the time, by name; empty when none.</summary>
    public IReadOnlyList<string> Windows { get; init; } = [];

    /// <summary>The pause in force, or null: while paused, <see cref="DesiredReplicas"/> is the paused count.</summary>
    public ScalingPause? Pause { get; init; }

    /// <summary>The count the policy chose (behavior and limits included): the desired count, unless a pause overrode it.</summary>
    public int PolicyReplicas { get; init; }

    /// <summary>Up, down, or none.</summary>
    public ScalingDirection Direction =>
        DesiredReplicas > CurrentReplicas ? ScalingDirection.Up
        : DesiredReplicas < CurrentReplicas ? ScalingDirection.Down
        : ScalingDirection.None;
}

/// <summary>Short labels for why a decision came out as it did; few, so they suit a metric label.</summary>
public static class DecisionCauses
{
    /// <summary>A policy's proposal was taken as it was.</summary>
    public const string Policy = "policy";

    /// <summary>No metric had a value: the count was held.</summary>
    public const string NoData = "no_data";

    /// <summary>A metric failed and the rest proposed fewer replicas: held instead.</summary>
    public const string FailedMetric = "failed_metric";

    /// <summary>Raised to the minimum.</summary>
    public const string Min = "min";

    /// <summary>Capped at the maximum.</summary>
    public const string Max = "max";

    /// <summary>A stabilization window held the count.</summary>
    public const string Stabilization = "stabilization";

    /// <summary>A rate-limit rule bounded the change.</summary>
    public const string RateLimit = "rate_limit";

    /// <summary>A cooldown after the last action held the count.</summary>
    public const string Cooldown = "cooldown";

    /// <summary>
    /// A metric is back after an outage of the metrics backend, and its query's window has not filled again since:
    /// its readings may be low, so the count was held instead of lowered.
    /// </summary>
    public const string Recovering = "recovering";

    /// <summary>A metric failed often enough that its fallback count was used.</summary>
    public const string Fallback = "fallback";

    /// <summary>No metric was above its activation threshold: scaled to (or stayed at) zero.</summary>
    public const string Inactive = "inactive";

    /// <summary>A pause held the count (the policy's choice is in the record, not applied).</summary>
    public const string Paused = "paused";
}
