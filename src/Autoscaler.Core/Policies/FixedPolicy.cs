using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>The <c>fixed</c> policy: always the same count, whatever the metric says (schedules, simulations).</summary>
public sealed class FixedPolicy(int replicas) : IScalingPolicy
{
    /// <inheritdoc />
    public string Name => "fixed";

    /// <inheritdoc />
    public ScalingProposal Propose(int currentReplicas, MetricReading reading) =>
        new(Name, reading.Metric, replicas, FixedAt, replicas);

    private static readonly ProposalFormatter FixedAt = static (in p) => ScalingProposal.Say($"fixed at {p.Value}");
}
