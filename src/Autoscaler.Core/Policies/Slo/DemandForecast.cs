using Autoscaler.Core.Forecasting;

namespace Autoscaler.Core.Policies.Slo;

/// <summary>
/// The <c>slo</c> rule's demand history and seasonal forecast. Values are put in slots of the sample interval
/// (several in one slot are averaged; a slot nobody filled holds the previous value; a gap longer than the whole
/// history starts again). The season is found in the history by <see cref="PeriodDetector"/> every so often (off the
/// evaluation path: in <c>Learn</c>), or declared. With a found season, or <see cref="SloForecast.SeasonalNaive"/>,
/// the forecast for a slot is the mean of the same phase in the last (up to three) seasons, shifted by how far the
/// last few minutes ran above or below their own seasonal mean; with <see cref="SloForecast.HoltWinters"/>, the
/// predictive rule's Holt-Winters over the declared season. The forecast over a horizon is its largest slot, since
/// capacity must suffice for all of it.
/// </summary>
internal sealed class DemandForecast
{
    // The level shift is averaged over this many slots: long enough that a slot's counting noise averages out
    // (20 slots, 200 s at the default 10 s: the noise of one slot shrinks 4.5-fold), short next to any season worth forecasting.
    private const int LevelSlots = 20;

    // At most this many past seasons are averaged for a phase: more smooths noise, but follows change more slowly.
    private const int MaxSeasons = 3;

    private readonly SlotHistory _history;
    private readonly long _slotTicks;
    private readonly bool _auto;
    private readonly HoltWintersForecaster? _holtWinters;
    private double[] _scratch = [];
    private OpenSlot _open;
    private long _detectedAt = long.MinValue;
    private int _detectedCount;

    public DemandForecast(SloPolicyOptions options)
    {
        _slotTicks = options.SampleInterval.Ticks;
        _auto = options.Forecast == SloForecast.Auto;
        var slots = options.Forecast switch
        {
            SloForecast.SeasonalNaive or SloForecast.HoltWinters => (int)(MaxSeasons * (options.SeasonLength!.Value.Ticks / _slotTicks)) + LevelSlots + 8,
            SloForecast.Auto => (int)Math.Min(SloPolicyOptions.MaxSlots, 2 * (SloPolicyOptions.MaxPeriod.Ticks / _slotTicks)) + LevelSlots + 8,
            _ => 1,
        };
        _history = new SlotHistory(slots);
        if (options.Forecast is SloForecast.SeasonalNaive or SloForecast.HoltWinters)
        {
            Period = (int)(options.SeasonLength!.Value.Ticks / _slotTicks);
        }

        if (options.Forecast == SloForecast.HoltWinters)
        {
            // The predictive rule's Holt-Winters with its default smoothing.
            var defaults = new PredictivePolicyOptions();
            _holtWinters = new HoltWintersForecaster(Period, defaults.Alpha, defaults.Beta, defaults.Gamma);
        }
    }

    /// <summary>The season in slots; 0 when none is known.</summary>
    public int Period { get; private set; }

    /// <summary>A longer season found alongside (a week around a day), in slots; 0 when none. The forecast uses the longest known.</summary>
    public int LongPeriod { get; private set; }

    /// <summary>Width of a slot.</summary>
    public TimeSpan SlotWidth => TimeSpan.FromTicks(_slotTicks);

    /// <summary>Closed slots held.</summary>
    public int Count => _history.Count;

    /// <summary>Takes a value seen at <paramref name="time"/>.</summary>
    public void Observe(DateTimeOffset time, double value)
    {
        var slot = time.UtcTicks / _slotTicks;
        if (!_open.Add(slot, value, out var closed, out var mean))
        {
            return;
        }

        if (slot - closed > _history.Capacity)
        {
            // Longer away than the history holds: what was seen says nothing about now.
            _history.Clear();
            _holtWinters?.Reset();
            _detectedCount = 0;
            if (_auto)
            {
                Period = LongPeriod = 0;
            }

            Close(slot - 1, mean);
            return;
        }

        for (var s = closed; s < slot; s++)
        {
            Close(s, mean);
        }
    }

    /// <summary>
    /// Looks for the season again when the history has grown enough since the last look (by a quarter, and at least
    /// an hour's worth of slots, so detection costs a small, bounded share of the time).
    /// </summary>
    public void DetectIfDue()
    {
        if (!_auto)
        {
            return;
        }

        var count = _history.Count;
        var last = _history.Last;
        var minimum = (int)(2 * SloPolicyOptions.MinPeriod.Ticks / _slotTicks);
        var hour = (int)(TimeSpan.FromHours(1).Ticks / _slotTicks);
        var grown = count - _detectedCount;
        if (count < minimum || (_detectedCount > 0 && grown < Math.Min(hour, Math.Max(_detectedCount / 4, minimum)) && last - _detectedAt < hour))
        {
            return;
        }

        if (_scratch.Length < count)
        {
            _scratch = new double[_history.Capacity];
        }

        for (var i = 0; i < count; i++)
        {
            _scratch[i] = _history[last - count + 1 + i];
        }

        var found = PeriodDetector.Detect(_scratch.AsSpan(0, count), SlotWidth, SloPolicyOptions.MinPeriod, SloPolicyOptions.MaxPeriod);
        Period = found.Primary is { } p ? (int)(p.Ticks / _slotTicks) : 0;
        LongPeriod = found.Secondary is { } q ? (int)(q.Ticks / _slotTicks) : 0;
        (_detectedAt, _detectedCount) = (last, count);
    }

    /// <summary>
    /// The largest forecast over the slots from the one being filled at <paramref name="now"/> to the one after
    /// now + <paramref name="horizon"/>; NaN while no season is known or not a season and a few minutes have been seen.
    /// </summary>
    public double ForecastMax(DateTimeOffset now, TimeSpan horizon)
    {
        var count = _history.Count;
        var last = _history.Last;
        var period = LongPeriod > 0 && count >= LongPeriod + LevelSlots ? LongPeriod : Period;
        if (period <= 0 || count < period + LevelSlots || (_holtWinters is { Ready: false }))
        {
            return double.NaN;
        }

        // One slot more than the horizon reaches: a slot holds the mean of a measured rate, which lags the demand by
        // up to its window, so a rise shows in the history up to a slot later than it happened.
        var from = now.UtcTicks / _slotTicks;
        var to = ((now + horizon).UtcTicks / _slotTicks) + 1;
        if (to - period > last)
        {
            return double.NaN; // a season shorter than the horizon: nothing seen yet for its end
        }

        var best = double.NegativeInfinity;
        if (_holtWinters is { } hw)
        {
            for (var s = Math.Max(from, last + 1); s <= to; s++)
            {
                best = Math.Max(best, hw.Forecast(s, (int)(s - last), _history));
            }

            return Math.Max(0, best);
        }

        var level = 0.0;
        for (var j = last - LevelSlots + 1; j <= last; j++)
        {
            level += _history[j] - Seasonal(j, period);
        }

        level /= LevelSlots;
        for (var s = from; s <= to; s++)
        {
            best = Math.Max(best, Seasonal(s, period) + level);
        }

        return Math.Max(0, best);
    }

    /// <summary>Mean of the same phase in up to <see cref="MaxSeasons"/> earlier seasons still held.</summary>
    private double Seasonal(long slot, int period)
    {
        var last = _history.Last;
        var oldest = last - _history.Count + 1;
        double sum = 0;
        var n = 0;
        for (var m = 1; m <= MaxSeasons; m++)
        {
            var s = slot - (m * (long)period);
            if (s < oldest)
            {
                break;
            }

            if (s <= last)
            {
                sum += _history[s];
                n++;
            }
        }

        return n > 0 ? sum / n : _history[last];
    }

    private void Close(long slot, double value)
    {
        _history.Add(slot, value);
        _holtWinters?.Learn(slot, value, _history);
    }
}
