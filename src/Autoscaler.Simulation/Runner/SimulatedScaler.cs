using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Simulation.Runner;

/// <summary>
/// The scaler's decision step in virtual time: the very <see cref="ScalingStep"/> the live scaler builds from a policy
/// (<see cref="ScalingStep.Build"/>), on a <see cref="VirtualClock"/>, its reads bound to simulated sources. The
/// simulation runner calls exactly this for every evaluation; so do the tests that replay a recorded live run.
/// </summary>
public sealed class SimulatedScaler
{
    /// <summary>The scaler's default time between evaluations, when the policy does not say.</summary>
    public static TimeSpan DefaultCheckInterval => PolicySpec.DefaultCheckInterval;

    /// <summary>
    /// Builds the step of <paramref name="policy"/> on a virtual clock starting at <paramref name="start"/>, each read
    /// bound with <paramref name="bind"/> (none: the readings are given to <see cref="Evaluate"/> by the caller).
    /// </summary>
    public SimulatedScaler(PolicySpec policy, DateTimeOffset? start = null, Func<MetricRead, IMetricSource>? bind = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
        Clock = new VirtualClock(start);
        Step = ScalingStep.Build(policy, Clock, bind ?? (read => new NothingToRead(read.Name)));
    }

    /// <summary>The policy.</summary>
    public PolicySpec Policy { get; }

    /// <summary>The pipeline's clock.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The step: the pipeline (stateful: failure counts and behavior history) and the bound sources.</summary>
    public ScalingStep Step { get; }

    /// <summary>The pipeline.</summary>
    public DecisionPipeline Pipeline => Step.Pipeline;

    /// <summary>Time between evaluations: the policy's, or the scaler's default.</summary>
    public TimeSpan CheckInterval => CheckIntervalOf(Policy);

    /// <summary>Time between evaluations of <paramref name="policy"/>: its own, or the scaler's default.</summary>
    public static TimeSpan CheckIntervalOf(PolicySpec policy) => policy.CheckInterval ?? DefaultCheckInterval;

    /// <summary>
    /// One evaluation at <paramref name="at"/>, as the live scaler does it: the learning policies learn from
    /// <paramref name="readings"/>, then the pipeline decides the count it wants from <paramref name="currentReplicas"/>. When the target then really moves, call <see cref="Applied"/>.
    /// </summary>
    public PipelineResult Evaluate(DateTimeOffset at, int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        Clock.Now = at;
        return Step.Evaluate(currentReplicas, readings, learn: true);
    }

    /// <summary>
    /// Reads every bound source now. The simulator's sources answer at once; the result is the step's buffer, valid
    /// until the next read.
    /// </summary>
    public IReadOnlyList<MetricReading> Read()
    {
        var read = Step.ReadAsync(CancellationToken.None);
        return read.IsCompletedSuccessfully ? read.Result : throw new InvalidOperationException("a simulated metric source must answer at once");
    }

    /// <summary>Tells the behavior stage that the target moved from <paramref name="from"/> to <paramref name="to"/> replicas.</summary>
    public void Applied(int from, int to) => Step.Applied(from, to);
}
