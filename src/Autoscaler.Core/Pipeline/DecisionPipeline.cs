using Autoscaler.Core.Behavior;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;

namespace Autoscaler.Core.Pipeline;

/// <summary>What to do when one metric has no value (stated per metric).</summary>
/// <param name="FallbackAfter">After this many consecutive failures, propose <paramref name="FallbackReplicas"/> (KEDA's fallback); null: hold.</param>
/// <param name="FallbackReplicas">The count proposed while the fallback is in force.</param>
/// <param name="IgnoreNullValues">Treat an empty result (no series) as 0 instead of a failure.</param>
public sealed record MetricFailureHandling(int? FallbackAfter = null, int FallbackReplicas = 0, bool IgnoreNullValues = false)
{
    /// <summary>Hold the count while the metric fails (the default).</summary>
    public static MetricFailureHandling Hold { get; } = new();
}

/// <summary>A policy applied to the readings of one named metric, with what to do when it fails.</summary>
public sealed record PolicyBinding(string Metric, IScalingPolicy Policy, MetricFailureHandling? OnFailure = null);

/// <summary>
/// The one decision pipeline the scaler and the simulator share: one proposal per metric, combined
/// (largest wins; a failed metric never lets the set scale down), the behavior stage (stabilization,
/// rate limits, cooldowns), and clamping to [min, max] last. Stateful (failure counts, behavior history);
/// one evaluation at a time.
/// </summary>
public sealed class DecisionPipeline
{
    private readonly IReadOnlyList<PolicyBinding> _bindings;
    private readonly ScalingLimits _limits;
    private readonly TimeProvider _time;
    private readonly BehaviorStage _behavior;
    private readonly int[] _consecutiveFailures;

    /// <summary>Creates a pipeline; without <paramref name="behavior"/> there is no behavior stage (the original scripts' way).</summary>
    public DecisionPipeline(IReadOnlyList<PolicyBinding> bindings, ScalingLimits limits, TimeProvider time, ScalingBehavior? behavior = null)
    {
        _bindings = bindings;
        _limits = limits;
        _time = time;
        _behavior = new BehaviorStage(behavior ?? ScalingBehavior.None, time);
        _consecutiveFailures = new int[bindings.Count];
    }

    /// <summary>The metrics this pipeline reads, in order.</summary>
    public IReadOnlyList<PolicyBinding> Bindings => _bindings;

    /// <summary>Decides the replica count from the current count and this evaluation's readings.</summary>
    public ScalingDecision Decide(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        var proposals = new List<ScalingProposal>(_bindings.Count);
        var seen = new List<MetricReading>(_bindings.Count);
        var anyFailed = false;
        var fallback = false;
        int? largest = null;
        string? largestReason = null;
        for (var i = 0; i < _bindings.Count; i++)
        {
            var binding = _bindings[i];
            var handling = binding.OnFailure ?? MetricFailureHandling.Hold;
            var reading = Find(readings, binding.Metric);
            if (reading.Failure == MetricFailureKind.NoData && handling.IgnoreNullValues)
            {
                reading = MetricReading.Ok(binding.Metric, 0);
            }

            seen.Add(reading);
            ScalingProposal proposal;
            if (reading.Succeeded)
            {
                _consecutiveFailures[i] = 0;
                proposal = binding.Policy.Propose(currentReplicas, reading);
            }
            else if (++_consecutiveFailures[i] >= handling.FallbackAfter)
            {
                fallback = true;
                proposal = new ScalingProposal(binding.Policy.Name, binding.Metric, handling.FallbackReplicas,
                    $"fallback to {handling.FallbackReplicas} after {_consecutiveFailures[i]} failures ({reading.Failure})");
            }
            else
            {
                anyFailed = true;
                proposal = binding.Policy.Propose(currentReplicas, reading);
            }

            proposals.Add(proposal);
            if (proposal.Replicas is { } r && (largest is null || r > largest))
            {
                (largest, largestReason) = (r, proposal.Reason);
            }
        }

        string reason, cause;
        int combined;
        var adjustments = new List<string>();
        if (largest is null)
        {
            // Nothing to go on: hold, and leave the behavior history alone (as HPA does when no metric is valid).
            combined = currentReplicas;
            (reason, cause) = (anyFailed ? "no metric has a value: holding" : "no proposal: holding", DecisionCauses.NoData);
            return Clamp(currentReplicas, combined, combined, seen, proposals, reason, cause, adjustments);
        }

        if (anyFailed && largest < currentReplicas)
        {
            combined = currentReplicas;
            (reason, cause) = ("a metric failed: never scale down on a partial view", DecisionCauses.FailedMetric);
        }
        else
        {
            combined = largest.Value;
            (reason, cause) = (largestReason!, fallback ? DecisionCauses.Fallback : DecisionCauses.Policy);
        }

        var outcome = _behavior.Apply(currentReplicas, combined);
        if (outcome.Cause is { } behaviorCause)
        {
            adjustments.AddRange(outcome.Adjustments);
            cause = behaviorCause;
            reason = $"{reason}; {string.Join("; ", outcome.Adjustments)}";
        }

        return Clamp(currentReplicas, combined, outcome.Replicas, seen, proposals, reason, cause, adjustments);
    }

    /// <summary>Tells the behavior stage that the target really moved to <paramref name="replicas"/> after <paramref name="decision"/>.</summary>
    public void Applied(ScalingDecision decision, int replicas) => _behavior.Applied(decision.CurrentReplicas, replicas);

    private ScalingDecision Clamp(
        int current, int recommendation, int desired, IReadOnlyList<MetricReading> readings,
        IReadOnlyList<ScalingProposal> proposals, string reason, string cause, List<string> adjustments)
    {
        var clamped = _limits.Clamp(desired);
        if (clamped != desired)
        {
            var phrase = clamped > desired ? $"raised to min {_limits.MinReplicas}" : $"capped at max {_limits.MaxReplicas}";
            adjustments.Add(phrase);
            (reason, cause) = ($"{reason}; {phrase}", clamped > desired ? DecisionCauses.Min : DecisionCauses.Max);
        }

        return new ScalingDecision(_time.GetUtcNow(), current, clamped, readings, proposals, reason, cause)
        {
            Recommendation = recommendation,
            Adjustments = adjustments,
        };
    }

    private static MetricReading Find(IReadOnlyList<MetricReading> readings, string metric)
    {
        foreach (var reading in readings)
        {
            if (reading.Metric == metric)
            {
                return reading;
            }
        }

        return MetricReading.Failed(metric, MetricFailureKind.NoData, "metric was not read");
    }
}
