using Autoscaler.Core.Behavior;
using Autoscaler.Core.Formulas;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Schedules;
using Autoscaler.Core.Time;

namespace Autoscaler.Core.Pipeline;

/// <summary>What to do when one metric has no value (stated per metric).</summary>
/// <param name="FallbackAfter">After this many consecutive failures, propose <paramref name="FallbackReplicas"/> (KEDA's fallback); null: hold.</param>
/// <param name="FallbackReplicas">The count proposed while the fallback is in force: it raises the count to it, never lowers it (a failed metric never scales down).</param>
/// <param name="IgnoreNullValues">Treat an empty result (no series) as 0 instead of a failure.</param>
public sealed record MetricFailureHandling(
    [property: System.ComponentModel.DataAnnotations.Range(1, 1000)] int? FallbackAfter = null,
    [property: System.ComponentModel.DataAnnotations.Range(0, ScalingLimits.Largest)] int FallbackReplicas = 0,
    bool IgnoreNullValues = false)
{
    /// <summary>Hold the count while the metric fails (the default).</summary>
    public static MetricFailureHandling Hold { get; } = new();
}

/// <summary>A policy applied to the readings of one named metric, with what to do when it fails.</summary>
/// <param name="Metric">Name of the metric source.</param>
/// <param name="Policy">The rule that turns its value into a proposal.</param>
/// <param name="OnFailure">What to do when it has no value; null: hold.</param>
/// <param name="ActivationThreshold">
/// KEDA's activation: with a minimum of 0 replicas, the service runs (at least one replica) while any metric that has
/// one is above its activation threshold, and scales to zero once none has been for the pipeline's scale-to-zero delay.
/// </param>
public sealed record PolicyBinding(string Metric, IScalingPolicy Policy, MetricFailureHandling? OnFailure = null, double? ActivationThreshold = null)
{
    /// <summary>
    /// How long after an outage of the metrics backend the metric's readings are not trusted to scale down: the window its
    /// query looks back over (<see cref="QueryWindow.Longest"/>), which must fill with scrapes again before a <c>rate()</c>
    /// or an average over it reads whole. Zero: trusted from the first reading.
    /// </summary>
    public TimeSpan RecoveryWindow { get; init; }
}

/// <summary>The outcome of one evaluation, as plain numbers: what the simulator needs, with no allocation.</summary>
/// <param name="Time">When the evaluation ran.</param>
/// <param name="CurrentReplicas">The count read from the target.</param>
/// <param name="DesiredReplicas">The count chosen after combining, behavior and clamping.</param>
/// <param name="Recommendation">The combined proposal before the behavior stage and clamping.</param>
/// <param name="Cause">Why, as a <see cref="DecisionCauses"/> label.</param>
public readonly record struct PipelineResult(DateTimeOffset Time, int CurrentReplicas, int DesiredReplicas, int Recommendation, string Cause)
{
    /// <summary>The count the policy chose (behavior and limits included); differs from the desired count only while paused.</summary>
    public int PolicyReplicas { get; init; }
}

/// <summary>
/// The one decision pipeline the scaler and the simulator share: one proposal per metric, combined
/// (largest wins; a failed metric, its fallback, or a metric whose window has not filled again since an outage of the
/// metrics backend never lets the set scale down), the behavior stage (stabilization,
/// rate limits, cooldowns), and clamping to [min, max] last, the [min, max] a schedule window sets while it is open.
/// With a formula, the one binding is the formula's composite value, computed from the other metrics' readings.
/// A pause (<see cref="Pause"/>) replaces the chosen count by the paused one, the rest of the evaluation unchanged.
/// Stateful (failure counts, behavior history, the pause); one evaluation at a time. <see cref="Evaluate"/> allocates
/// nothing in steady state; <see cref="Decide"/> evaluates and then renders the full <see cref="ScalingDecision"/>
/// record with its phrases.
/// </summary>
public sealed class DecisionPipeline
{
    private readonly IReadOnlyList<PolicyBinding> _bindings;
    private readonly ScheduledLimits _limits;
    private readonly MetricFormula? _formula;
    private readonly TimeProvider _time;
    private readonly BehaviorStage _behavior;
    private readonly int[] _consecutiveFailures;
    private readonly bool[] _outage;
    private readonly DateTimeOffset[] _recoveringUntil;
    private readonly ILearningPolicy[] _learners;

    // The last evaluation's details, reused from one evaluation to the next and rendered only on demand.
    private readonly MetricReading[] _seen;
    private readonly ScalingProposal[] _proposals;
    private readonly List<BehaviorAdjustment> _adjustments = new(4);
    private readonly TimeSpan _scaleToZeroAfter;
    private DateTimeOffset? _lastActive;
    private int _winner;
    private string _heldBecause = "";
    private int _recovering = -1;
    private LimitsInForce _inForce;
    private ScalingPause? _pause;

    /// <summary>KEDA's default <c>cooldownPeriod</c>: how long no metric may be active before scaling to zero.</summary>
    public static TimeSpan DefaultScaleToZeroAfter { get; } = TimeSpan.FromSeconds(300);

    /// <summary>Creates a pipeline; without <paramref name="behavior"/> there is no behavior stage (the original scripts' way).</summary>
    /// <param name="bindings">One policy per metric.</param>
    /// <param name="limits">The [min, max] clamp.</param>
    /// <param name="time">The clock (virtual in the simulator).</param>
    /// <param name="behavior">Stabilization, rate limits and cooldowns; null: none.</param>
    /// <param name="scaleToZeroAfter">With activation thresholds and a minimum of 0: how long no metric may be active before scaling to zero (KEDA's cooldownPeriod).</param>
    /// <param name="formula">The formula whose composite value the binding named like it reads (KEDA's scalingModifiers); null: none.</param>
    /// <param name="schedules">Windows that change [min, max] while open; null: none.</param>
    /// <param name="pause">A pause in force from the start (the policy file's); null: not paused.</param>
    public DecisionPipeline(IReadOnlyList<PolicyBinding> bindings, ScalingLimits limits, TimeProvider time, ScalingBehavior? behavior = null, TimeSpan? scaleToZeroAfter = null,
        MetricFormula? formula = null, IReadOnlyList<ScheduleWindow>? schedules = null, ScalingPause? pause = null)
    {
        ArgumentNullException.ThrowIfNull(bindings);
        ArgumentNullException.ThrowIfNull(limits);
        _scaleToZeroAfter = scaleToZeroAfter ?? DefaultScaleToZeroAfter;
        _bindings = bindings;
        _limits = new ScheduledLimits(limits.MinReplicas, limits.MaxReplicas, schedules ?? []);
        _inForce = _limits.At(time.GetUtcNow());
        _formula = formula;
        _pause = pause;
        _time = time;
        _behavior = new BehaviorStage(behavior ?? ScalingBehavior.None, time);
        _consecutiveFailures = new int[bindings.Count];
        _outage = new bool[bindings.Count];
        _recoveringUntil = new DateTimeOffset[bindings.Count];
        _seen = new MetricReading[bindings.Count + (formula?.Inputs.Count ?? 0)];
        _proposals = new ScalingProposal[bindings.Count];
        _learners = [.. bindings.Select(b => b.Policy).OfType<ILearningPolicy>()];
        Inputs = [.. _learners.SelectMany(l => l.Inputs)];
    }

    /// <summary>The metrics this pipeline reads, in order.</summary>
    public IReadOnlyList<PolicyBinding> Bindings => _bindings;

    /// <summary>The pause in force, or null.</summary>
    public ScalingPause? Paused => _pause;

    /// <summary>
    /// Pauses: from the next evaluation on, the count returned is the pause's (the policy is still evaluated and shown).
    /// Replaces a pause already in force. Call it between evaluations, as the scaler does under its evaluation lock.
    /// </summary>
    public void Pause(ScalingPause pause) => _pause = pause ?? throw new ArgumentNullException(nameof(pause));

    /// <summary>Ends the pause; returns the one that was in force, or null when there was none.</summary>
    public ScalingPause? Resume()
    {
        var was = _pause;
        _pause = null;
        return was;
    }

    /// <summary>
    /// Lets every learning policy (<see cref="ILearningPolicy"/>) learn from this evaluation's readings, its inputs'
    /// included. Call it before <see cref="Evaluate"/> or <see cref="Decide"/> with the same readings; it is kept apart
    /// so evaluation stays cheap.
    /// </summary>
    public void Learn(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        for (var i = 0; i < _learners.Length; i++)
        {
            _learners[i].Learn(currentReplicas, readings);
        }
    }

    /// <summary>The extra queries the learning policies read beside the bound metrics, as (reading name, PromQL).</summary>
    public IReadOnlyList<(string Name, string Query)> Inputs { get; }

    /// <summary>Decides the replica count and renders the full decision record (readings, proposals, phrases).</summary>
    public ScalingDecision Decide(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        var result = Evaluate(currentReplicas, readings);
        var adjustments = new string[_adjustments.Count];
        for (var i = 0; i < adjustments.Length; i++)
        {
            adjustments[i] = _adjustments[i].ToString();
        }

        var reason = _winner >= 0 ? _proposals[_winner].Reason
            : _recovering >= 0 ? RecoveringReason(_recovering, result.Time)
            : _heldBecause;
        if (adjustments.Length > 0)
        {
            reason = $"{reason}; {string.Join("; ", adjustments)}";
        }

        if (_inForce.Conflict is { } conflict)
        {
            reason = $"{reason}; schedule windows cross: {conflict}";
        }

        if (_pause is { } pause)
        {
            reason = $"{pause}; the policy would choose {result.PolicyReplicas}: {reason}";
        }

        return new ScalingDecision(result.Time, result.CurrentReplicas, result.DesiredReplicas, [.. _seen], [.. _proposals], reason, result.Cause)
        {
            Recommendation = result.Recommendation,
            Adjustments = adjustments,
            MinReplicas = _inForce.MinReplicas,
            MaxReplicas = _inForce.MaxReplicas,
            Windows = _inForce.Windows,
            Pause = _pause,
            PolicyReplicas = result.PolicyReplicas,
        };
    }

    /// <summary>
    /// Decides the replica count from the current count and this evaluation's readings, without rendering
    /// any phrase (the simulator's path; allocation-free in steady state).
    /// </summary>
    public PipelineResult Evaluate(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        var result = Choose(currentReplicas, readings);
        return _pause is { } pause
            ? result with { DesiredReplicas = pause.Hold(currentReplicas), Cause = DecisionCauses.Paused }
            : result;
    }

    private PipelineResult Choose(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        _adjustments.Clear();
        var now = _time.GetUtcNow();
        _inForce = _limits.At(now);
        _winner = -1;
        _recovering = -1;
        var anyFailed = false;
        var fallback = false;
        var recovering = -1;
        bool hasActivation = false, active = false, activationUnknown = false;
        int? largest = null;
        for (var i = 0; i < _bindings.Count; i++)
        {
            var binding = _bindings[i];
            var handling = binding.OnFailure ?? MetricFailureHandling.Hold;
            var reading = _formula is { } formula && binding.Metric == formula.Name
                ? formula.Read(readings, _seen, _bindings.Count)
                : Find(readings, binding.Metric);
            if (reading.Failure == MetricFailureKind.NoData && handling.IgnoreNullValues)
            {
                reading = MetricReading.Ok(binding.Metric, 0);
            }

            _seen[i] = reading;
            if (binding.ActivationThreshold is { } activation)
            {
                hasActivation = true;
                active |= reading.Value > activation;
                activationUnknown |= !reading.Succeeded;
            }

            ScalingProposal proposal;
            if (reading.Succeeded)
            {
                _consecutiveFailures[i] = 0;
                if (_outage[i])
                {
                    // The backend is back, but the scrapes it missed leave a hole in the query's window.
                    _outage[i] = false;
                    _recoveringUntil[i] = now + binding.RecoveryWindow;
                }

                if (now < _recoveringUntil[i] && (recovering < 0 || _recoveringUntil[i] > _recoveringUntil[recovering]))
                {
                    recovering = i;
                }

                proposal = binding.Policy.Propose(currentReplicas, reading);
            }
            else if (++_consecutiveFailures[i] >= handling.FallbackAfter)
            {
                _outage[i] |= reading.IsOutage;

                // A fallback only ever raises the count: like any failed metric, it never scales down on what it cannot see.
                anyFailed = true;
                fallback = true;
                proposal = new ScalingProposal(binding.Policy.Name, binding.Metric, handling.FallbackReplicas, FallbackFormat,
                    handling.FallbackReplicas, _consecutiveFailures[i], failure: reading.Failure);
            }
            else
            {
                _outage[i] |= reading.IsOutage;
                anyFailed = true;
                proposal = binding.Policy.Propose(currentReplicas, reading);
            }

            _proposals[i] = proposal;
            if (proposal.Replicas is { } r && (largest is null || r > largest))
            {
                (largest, _winner) = (r, i);
            }
        }

        string cause;
        int combined;
        if (largest is null)
        {
            // Nothing to go on: hold, and leave the behavior history alone (as HPA does when no metric is valid).
            _heldBecause = anyFailed ? "no metric has a value: holding" : "no proposal: holding";
            return Clamp(currentReplicas, currentReplicas, currentReplicas, DecisionCauses.NoData);
        }

        if (anyFailed && largest < currentReplicas)
        {
            combined = currentReplicas;
            (_winner, _heldBecause, cause) = (-1, fallback
                ? "a metric failed: its fallback never scales down, holding"
                : "a metric failed: never scale down on a partial view", DecisionCauses.FailedMetric);
        }
        else if (recovering >= 0 && largest < currentReplicas)
        {
            combined = currentReplicas;
            (_winner, _recovering, cause) = (-1, recovering, DecisionCauses.Recovering);
        }
        else
        {
            combined = largest.Value;
            cause = fallback ? DecisionCauses.Fallback : DecisionCauses.Policy;
        }

        if (hasActivation && _inForce.MinReplicas == 0)
        {
            // KEDA: the activation phase owns 0 <-> 1, the HPA range (behavior included) is 1..max.
            _lastActive ??= now;
            if (active)
            {
                _lastActive = now;
            }
            else if (!activationUnknown && (currentReplicas == 0 || (recovering < 0 && now - _lastActive.Value >= _scaleToZeroAfter)))
            {
                (_winner, _recovering) = (-1, -1);
                _heldBecause = currentReplicas == 0
                    ? "no metric above its activation threshold: staying at zero"
                    : "no metric above its activation threshold for the scale-to-zero delay: scaling to zero";
                return Clamp(currentReplicas, 0, 0, DecisionCauses.Inactive);
            }

            combined = Math.Max(1, combined);
        }

        var outcome = _behavior.Apply(currentReplicas, combined, _adjustments);
        return Clamp(currentReplicas, combined, outcome.Replicas, outcome.Cause ?? cause);
    }

    /// <summary>Tells the behavior stage that the target really moved from <paramref name="from"/> to <paramref name="to"/> replicas.</summary>
    public void Applied(int from, int to) => _behavior.Applied(from, to);

    private string RecoveringReason(int binding, DateTimeOffset now)
    {
        var window = _bindings[binding].RecoveryWindow;
        var left = _recoveringUntil[binding] - now;
        return $"{_bindings[binding].Metric} is back after an outage of the metrics backend: its readings are not trusted to scale down "
            + $"until its {Durations.Format(window)} window has filled again (in {Durations.Humanize(left)}), holding";
    }

    private static readonly ProposalFormatter FallbackFormat = static (in p) =>
        ScalingProposal.Say($"fallback to {p.Value} after {p.Bound} failures ({p.Failure})");

    private PipelineResult Clamp(int current, int recommendation, int desired, string cause)
    {
        var clamped = _inForce.Clamp(desired);
        if (clamped != desired)
        {
            var raised = clamped > desired;
            _adjustments.Add(raised
                ? new BehaviorAdjustment(AdjustmentKind.RaisedToMin, desired, clamped, _inForce.MinReplicas, Source: _inForce.MinSource)
                : new BehaviorAdjustment(AdjustmentKind.CappedAtMax, desired, clamped, _inForce.MaxReplicas, Source: _inForce.MaxSource));
            cause = raised ? DecisionCauses.Min : DecisionCauses.Max;
        }

        return new PipelineResult(_time.GetUtcNow(), current, clamped, recommendation, cause) { PolicyReplicas = clamped };
    }

    /// <summary>The reading of <paramref name="metric"/>, or a NoData failure when it was not read.</summary>
    internal static MetricReading Find(IReadOnlyList<MetricReading> readings, string metric)
    {
        for (var i = 0; i < readings.Count; i++)
        {
            if (readings[i].Metric == metric)
            {
                return readings[i];
            }
        }

        return MetricReading.Failed(metric, MetricFailureKind.NoData, "metric was not read");
    }
}
