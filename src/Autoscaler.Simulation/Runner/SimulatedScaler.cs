using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Simulation.Runner;

/// <summary>
/// The scaler's decision step in virtual time: the very <see cref="DecisionPipeline"/> the live scaler builds from
/// a policy (<see cref="PolicySpec.CreatePipeline"/>), on a <see cref="VirtualClock"/>. The simulation runner calls
/// exactly this for every evaluation; so do the tests that replay a recorded live run.
/// </summary>
public sealed class SimulatedScaler
{
    /// <summary>The scaler's default time between evaluations, when the policy does not say.</summary>
    public static TimeSpan DefaultCheckInterval => PolicySpec.DefaultCheckInterval;

    /// <summary>Builds the pipeline of <paramref name="policy"/> on a virtual clock starting at <paramref name="start"/>.</summary>
    public SimulatedScaler(PolicySpec policy, DateTimeOffset? start = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
        Clock = new VirtualClock(start);
        Pipeline = policy.CreatePipeline(Clock);
    }

    /// <summary>The policy.</summary>
    public PolicySpec Policy { get; }

    /// <summary>The pipeline's clock.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The pipeline (stateful: failure counts and behavior history).</summary>
    public DecisionPipeline Pipeline { get; }

    /// <summary>Time between evaluations: the policy's, or the scaler's default.</summary>
    public TimeSpan CheckInterval => Policy.CheckInterval ?? DefaultCheckInterval;

    /// <summary>
    /// One evaluation at <paramref name="at"/>, as the live scaler does it: the learning policies learn from
    /// <paramref name="readings"/>, then the pipeline decides the count it wants from <paramref name="currentReplicas"/>. When the target then really moves, call <see cref="Applied"/>.
    /// </summary>
    public PipelineResult Evaluate(DateTimeOffset at, int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        Clock.Now = at;
        Pipeline.Learn(currentReplicas, readings);
        return Pipeline.Evaluate(currentReplicas, readings);
    }

    /// <summary>Tells the behavior stage that the target moved from <paramref name="from"/> to <paramref name="to"/> replicas.</summary>
    public void Applied(int from, int to) => Pipeline.Applied(from, to);
}
