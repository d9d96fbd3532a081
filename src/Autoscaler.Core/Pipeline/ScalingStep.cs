using Autoscaler.Core.Metrics;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Core.Pipeline;

/// <summary>
/// One read of a policy: a rule's metric (<paramref name="Query"/> empty for a <c>fixed</c> rule, which reads nothing)
/// or an extra input a rule learns from (the <c>slo</c> rule's <c>learn</c> queries).
/// </summary>
public readonly record struct MetricRead(string Name, string Query);

/// <summary>
/// The step the live scaler and the simulator both take at every evaluation: <b>read</b> every metric of the policy
/// from the source bound to it when the step was built (live: a Prometheus query; simulated: the scrape history of the
/// simulated replicas), <b>decide</b> with the <see cref="DecisionPipeline"/> (learning first on a periodic check),
/// then the caller <b>acts</b> on its target (the real one, or the simulated replica set, where a fleet-wide cap may
/// stand in between), and tells the step what was <b>applied</b>, so the behavior stage counts from the real move.
/// One evaluation at a time: the readings are the step's own buffer until the next read.
/// </summary>
public sealed class ScalingStep
{
    private readonly IMetricSource[] _sources;
    private readonly MetricReading[] _readings;

    /// <summary>A step over <paramref name="pipeline"/> reading <paramref name="sources"/> in order (see <see cref="Build"/>).</summary>
    public ScalingStep(DecisionPipeline pipeline, IReadOnlyList<IMetricSource> sources)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(sources);
        Pipeline = pipeline;
        _sources = [.. sources];
        _readings = new MetricReading[_sources.Length];
    }

    /// <summary>
    /// Builds the pipeline of <paramref name="policy"/> on <paramref name="time"/> and binds one source to each of its
    /// reads (<see cref="PolicySpec.Reads"/>: every rule's metric, then every learning input) with
    /// <paramref name="bind"/>, so every reading the pipeline is given comes from the source made for its query.
    /// </summary>
    public static ScalingStep Build(PolicySpec policy, TimeProvider time, Func<MetricRead, IMetricSource> bind)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(bind);
        return new ScalingStep(policy.CreatePipeline(time), [.. policy.Reads.Select(bind)]);
    }

    /// <summary>The decision pipeline (stateful: failure counts, behavior history, learnt forecasts, the pause).</summary>
    public DecisionPipeline Pipeline { get; }

    /// <summary>The bound sources, in the order they are read.</summary>
    public IReadOnlyList<IMetricSource> Sources => _sources;

    /// <summary>
    /// Reads every source, in order. Sources never throw for backend problems (a failed reading says why); a source
    /// that completes at once (the simulator's) makes this complete at once, without allocating.
    /// </summary>
    public async ValueTask<IReadOnlyList<MetricReading>> ReadAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _sources.Length; i++)
        {
            _readings[i] = await _sources[i].ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        return _readings;
    }

    /// <summary>
    /// Decides from <paramref name="readings"/> as plain numbers (the simulator's path; no allocation), the learning
    /// policies learning from them first when <paramref name="learn"/> (a periodic check).
    /// </summary>
    public PipelineResult Evaluate(int currentReplicas, IReadOnlyList<MetricReading> readings, bool learn)
    {
        if (learn)
        {
            Pipeline.Learn(currentReplicas, readings);
        }

        return Pipeline.Evaluate(currentReplicas, readings);
    }

    /// <summary>As <see cref="Evaluate"/>, rendering the full decision record (the live scaler's path).</summary>
    public ScalingDecision Decide(int currentReplicas, IReadOnlyList<MetricReading> readings, bool learn)
    {
        if (learn)
        {
            Pipeline.Learn(currentReplicas, readings);
        }

        return Pipeline.Decide(currentReplicas, readings);
    }

    /// <summary>The target really moved from <paramref name="from"/> to <paramref name="to"/>: the behavior stage counts from it.</summary>
    public void Applied(int from, int to) => Pipeline.Applied(from, to);
}
