using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;

namespace Autoscaler.Scaler.Fleet;

/// <summary>
/// Everything one service's loop runs with, built before it starts: its name, its policy, the target it scales, how a
/// source is bound to each metric and learning input of the policy (<see cref="ScalingStep.Build"/>), its options (check interval and dry run may differ
/// per service; the tokens are the scaler's), and the replica set <c>PUT …/replicas</c> sets directly (null: none of
/// its own). <see cref="WarmUp"/> runs once before the first evaluation (a predictive rule's history from Prometheus).
/// </summary>
public sealed record ServiceSetup(
    string Name,
    PolicySpec Policy,
    IScaleTarget Target,
    Func<MetricRead, IMetricSource> Bind,
    ScalerOptions Options,
    IScaleTarget? ReplicaSet = null)
{
    /// <summary>Fills the new pipeline's history before the first evaluation; a failure only means starting cold.</summary>
    public Func<DecisionPipeline, CancellationToken, Task>? WarmUp { get; init; }

    /// <summary>Where the service was read from (its file), for the status; null for a service from flags.</summary>
    public string? Source { get; init; }
}
