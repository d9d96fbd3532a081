using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>
/// A policy that learns from what it sees (its own metric and extra inputs). Learning happens beside the decision,
/// in <see cref="Learn"/>, which the scaler and the simulator call before each evaluation; <see cref="IScalingPolicy.Propose"/>
/// only reads what was learnt, so evaluation stays cheap and allocation-free.
/// </summary>
public interface ILearningPolicy
{
    /// <summary>Extra queries the policy reads beside its metric, as (reading name, PromQL); empty when none.</summary>
    IReadOnlyList<(string Name, string Query)> Inputs { get; }

    /// <summary>
    /// Learns from this evaluation's readings (its own metric's and its inputs', by name; failed ones are skipped).
    /// <paramref name="currentReplicas"/> is the count the target reports.
    /// </summary>
    void Learn(int currentReplicas, IReadOnlyList<MetricReading> readings);
}
