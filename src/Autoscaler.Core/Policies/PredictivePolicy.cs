using Autoscaler.Core.Metrics;

namespace Autoscaler.Core.Policies;

/// <summary>
/// The <c>predictive</c> policy: forecasts the demand one horizon ahead (Holt-Winters or seasonal naive plus
/// trend) and proposes <c>ceil(forecast / target)</c> replicas, so capacity is started before demand arrives;
/// a reactive <c>target</c> rule on the current value (AverageValue, same tolerance; its target is
/// <see cref="PredictivePolicyOptions.ReactiveTarget"/> once the forecast is warm, the forecast's target before)
/// runs alongside and the larger proposal wins, so a bad forecast can never starve the service.
/// </summary>
/// <remarks>
/// Stateful, unlike the other policies: it keeps the history of the values it is given. Time comes from the
/// <see cref="TimeProvider"/> (virtual in the simulator), not from counting calls: values are put in slots of
/// <see cref="PredictivePolicyOptions.SampleInterval"/> counted from 0001-01-01 UTC (a Monday, so the season's phase is the time of day or week),
/// several values in one slot are averaged, and slots nobody filled hold the previous value; a gap longer than a
/// season restarts the warm-up. Until one season (Holt-Winters) or one season and a slot (seasonal naive) has
/// been seen, only the reactive rule proposes. <see cref="Seed"/> fills the history from a metrics store at start.
/// <see cref="Propose"/> allocates nothing; calls are serialised.
/// </remarks>
public sealed class PredictivePolicy : IScalingPolicy
{
    private readonly PredictivePolicyOptions _options;
    private readonly TimeProvider _time;
    private readonly TargetPolicy _reactive;
    private readonly TargetPolicy _atTarget;
    private readonly SlotHistory _history;
    private readonly IForecaster _forecaster;
    private readonly long _slotTicks;
    private readonly int _slotsPerSeason;
    private readonly Lock _gate = new();

    // The slot being filled: the mean of its values becomes history when time moves past it.
    private OpenSlot _open;
    private double _lastForecast = double.NaN;

    /// <summary>Creates the policy.</summary>
    /// <param name="options">The options; checked here.</param>
    /// <param name="time">The clock that stamps each value (the simulator's virtual one there).</param>
    /// <exception cref="ArgumentException">The options break a rule; the message names each.</exception>
    public PredictivePolicy(PredictivePolicyOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"predictive policy: {string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}"))}", nameof(options));
        }

        _options = options;
        _time = time;
        _reactive = new TargetPolicy(new TargetPolicyOptions { Target = options.EffectiveReactiveTarget, Type = TargetType.AverageValue, Tolerance = options.Tolerance });
        _atTarget = options.ReactiveTarget is null
            ? _reactive
            : new TargetPolicy(new TargetPolicyOptions { Target = options.Target, Type = TargetType.AverageValue, Tolerance = options.Tolerance });
        _slotTicks = options.SampleInterval.Ticks;
        _slotsPerSeason = options.SlotsPerSeason;
        var window = TrendWindow(_slotsPerSeason);
        _history = new SlotHistory(_slotsPerSeason + window + 1);
        _forecaster = options.Method == ForecastMethod.HoltWinters
            ? new HoltWintersForecaster(_slotsPerSeason, options.Alpha, options.Beta, options.Gamma)
            : new SeasonalNaiveForecaster(_slotsPerSeason, window);
    }

    /// <inheritdoc />
    public string Name => "predictive";

    /// <summary>The options in force.</summary>
    public PredictivePolicyOptions Options => _options;

    /// <summary>True once enough history has been seen to forecast.</summary>
    public bool IsWarm
    {
        get
        {
            lock (_gate)
            {
                return _forecaster.Ready;
            }
        }
    }

    /// <summary>Completed history slots held (at most a season and a trend window).</summary>
    public int HistorySlots
    {
        get
        {
            lock (_gate)
            {
                return _history.Count;
            }
        }
    }

    /// <summary>The forecast of the last proposal; null before the policy was warm.</summary>
    public double? LastForecast
    {
        get
        {
            lock (_gate)
            {
                return double.IsNaN(_lastForecast) ? null : _lastForecast;
            }
        }
    }

    /// <summary>
    /// Feeds past values (e.g. a <c>query_range</c> over the last seasons) into the history, oldest first;
    /// values not after the slot being filled, and values that are not finite, are skipped.
    /// </summary>
    /// <returns>How many values were taken.</returns>
    public int Seed(IEnumerable<(DateTimeOffset Time, double Value)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var taken = 0;
        lock (_gate)
        {
            foreach (var (time, value) in points.OrderBy(p => p.Time))
            {
                var slot = SlotOf(time);
                if (!double.IsFinite(value) || (_open.Any && slot < _open.Slot))
                {
                    continue;
                }

                Observe(slot, value);
                taken++;
            }
        }

        return taken;
    }

    /// <inheritdoc />
    public ScalingProposal Propose(int currentReplicas, MetricReading reading)
    {
        if (reading.Value is not { } value)
        {
            return new ScalingProposal(Name, reading.Metric, null, ScalingProposal.NoValue, failure: reading.Failure);
        }

        var target = _options.Target;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Observe(SlotOf(now), value);
            if (!_forecaster.Ready)
            {
                // No forecast yet: the reactive rule alone, at the forecast's own target, keeps the usual headroom.
                _lastForecast = double.NaN;
                var cold = _atTarget.Propose(currentReplicas, reading);
                return new ScalingProposal(Name, reading.Metric, cold.Replicas, WarmingUp, value, target, Math.Min(1, (double)_history.Count / _slotsPerSeason));
            }

            var reactive = _reactive.Propose(currentReplicas, reading);
            var goal = SlotOf(now + _options.Horizon);
            var ahead = (int)(goal - _history.Last);
            var forecast = Math.Max(0, _forecaster.Forecast(goal, ahead, _history));
            _lastForecast = forecast;
            // The forecast against the target, with the same tolerance, as the reactive rule treats the current value.
            var predicted = _atTarget.Propose(currentReplicas, MetricReading.Ok(reading.Metric, forecast)).Replicas!.Value;
            if (predicted > reactive.Replicas)
            {
                return new ScalingProposal(Name, reading.Metric, predicted, Ahead, forecast, target, value);
            }

            var reactiveTarget = _options.EffectiveReactiveTarget;
            var withinNow = Math.Abs((value / (reactiveTarget * Math.Max(currentReplicas, 1))) - 1) <= _options.Tolerance;
            return new ScalingProposal(Name, reading.Metric, reactive.Replicas, withinNow ? ReactiveWithin : Reactive, value, reactiveTarget, forecast);
        }
    }

    /// <summary>
    /// Slots over which seasonal naive fits the seasonal difference's level and trend: a twelfth of a season (two
    /// hours of a day), 10 to 240 slots, so one odd slot or a little noise does not swing the trend.
    /// </summary>
    internal static int TrendWindow(int slotsPerSeason) => Math.Clamp(slotsPerSeason / 12, 10, 240);

    private long SlotOf(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        return ticks / _slotTicks;
    }

    private void Observe(long slot, double value)
    {
        if (!_open.Add(slot, value, out var closed, out var mean))
        {
            return;
        }

        Close(closed, mean);
        if (slot - closed - 1 > _slotsPerSeason)
        {
            // A history older than a season is no guide to this one: start the warm-up again.
            _history.Clear();
            _forecaster.Reset();
        }
        else
        {
            for (var missing = closed + 1; missing < slot; missing++)
            {
                Close(missing, mean);
            }
        }
    }

    private void Close(long slot, double value)
    {
        _history.Add(slot, value);
        _forecaster.Learn(slot, value, _history);
    }

    private static readonly ProposalFormatter Ahead = static (in p) =>
        ScalingProposal.Say($"forecast {p.Value:0.###} one horizon ahead against target {p.Bound:0.###} per replica (now {p.Extra:0.###})");

    private static readonly ProposalFormatter Reactive = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} against target {p.Bound:0.###} per replica (forecast {p.Extra:0.###} asks for no more)");

    private static readonly ProposalFormatter ReactiveWithin = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} within tolerance of target {p.Bound:0.###} per replica (forecast {p.Extra:0.###} asks for no more)");

    private static readonly ProposalFormatter WarmingUp = static (in p) =>
        ScalingProposal.Say($"{p.Value:0.###} against target {p.Bound:0.###} per replica (forecast warming up: {p.Extra:P0} of a season seen)");
}
