using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;

namespace Autoscaler.Core.Pipeline;

/// <summary>A policy applied to the readings of one named metric.</summary>
public sealed record PolicyBinding(string Metric, IScalingPolicy Policy);

/// <summary>
/// The one decision pipeline the scaler and the simulator share: one proposal per metric,
/// combined (largest wins; a failed metric never lets the set scale down), clamped to [min, max].
/// </summary>
public sealed class DecisionPipeline(IReadOnlyList<PolicyBinding> bindings, ScalingLimits limits, TimeProvider time)
{
    /// <summary>The metrics this pipeline reads, in order.</summary>
    public IReadOnlyList<PolicyBinding> Bindings => bindings;

    /// <summary>Decides the replica count from the current count and this evaluation's readings.</summary>
    public ScalingDecision Decide(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        var proposals = new List<ScalingProposal>(bindings.Count);
        var anyFailed = false;
        int? largest = null;
        foreach (var binding in bindings)
        {
            var reading = Find(readings, binding.Metric);
            anyFailed |= !reading.Succeeded;
            var proposal = binding.Policy.Propose(currentReplicas, reading);
            proposals.Add(proposal);
            if (proposal.Replicas is { } r && (largest is null || r > largest))
            {
                largest = r;
            }
        }

        string reason, cause;
        int combined;
        if (largest is null)
        {
            combined = currentReplicas;
            (reason, cause) = (anyFailed ? "no metric has a value: holding" : "no proposal: holding", DecisionCauses.NoData);
        }
        else if (anyFailed && largest < currentReplicas)
        {
            combined = currentReplicas;
            (reason, cause) = ("a metric failed: never scale down on a partial view", DecisionCauses.FailedMetric);
        }
        else
        {
            combined = largest.Value;
            (reason, cause) = (proposals.First(p => p.Replicas == largest).Reason, DecisionCauses.Policy);
        }

        var desired = limits.Clamp(combined);
        if (desired != combined)
        {
            (reason, cause) = desired > combined
                ? ($"{reason}; raised to min {limits.MinReplicas}", DecisionCauses.Min)
                : ($"{reason}; capped at max {limits.MaxReplicas}", DecisionCauses.Max);
        }

        return new ScalingDecision(time.GetUtcNow(), currentReplicas, desired, readings, proposals, reason, cause);
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
