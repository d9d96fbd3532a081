using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>What one policy would do with one metric's reading.</summary>
/// <param name="Policy">Name of the policy.</param>
/// <param name="Metric">Name of the metric it looked at.</param>
/// <param name="Replicas">The replica count it proposes; null when it has no opinion (e.g. no value).</param>
/// <param name="Reason">One phrase: why this count.</param>
public sealed record ScalingProposal(string Policy, string Metric, int? Replicas, string Reason);

/// <summary>
/// A pure rule: current replica count and a metric reading in, a proposal out. Limits, cooldowns
/// and stabilization belong to the pipeline, never to a policy.
/// </summary>
public interface IScalingPolicy
{
    /// <summary>Name by which configuration picks the policy.</summary>
    string Name { get; }

    /// <summary>Proposes a replica count for <paramref name="reading"/> at <paramref name="currentReplicas"/>.</summary>
    ScalingProposal Propose(int currentReplicas, MetricReading reading);
}
