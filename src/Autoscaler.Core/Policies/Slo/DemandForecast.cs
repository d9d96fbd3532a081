using Autoscaler.Core.Forecasting;

namespace Autoscaler.Core.Policies.Slo;

/// <summary>
/// The <c>slo</c> rule's demand history and seasonal forecast. Values are put in slots of the sample interval
/// (several in one slot are averaged; a slot nobody filled holds the previous value; a gap longer than the whole
/// history starts again). The forecast for a slot is the mean of the same phase in the last (up to three) seasons,
/// shifted by how far the last few minutes ran above or below their own seasonal mean; the forecast over a horizon
/// is its largest slot, since capacity must suffice for all of it. The season is declared, or found in the
/// history by <see cref="PeriodDetector"/> every so often (off the evaluation path: in <c>Learn</c>).
/// </summary>
internal sealed class DemandForecast
{
    // The level shift is averaged over this many slots: long enough that a slot's counting noise averages out
    // (20 slots, 200 s at the default 10 s: the noise of one slot shrinks 4.5-fold), short next to any season worth forecasting.
    private const int LevelSlots = 20;

    // At most this many past seasons are averaged for a phase: more smooths noise, but follows change more slowly.
    private const int MaxSeasons = 3;

    private readonly double[] _ring;
    private readonly long _slotTicks;
    private readonly bool _auto;
    private double[] _scratch = [];
    private long _last = -1; // newest closed slot
    private int _count;
    private long _open = long.MinValue;
    private double _openSum;
    private int _openCount;
    private long _detectedAt = long.MinValue;
    private int _detectedCount;

    public DemandForecast(SloPolicyOptions options)
    {
        _slotTicks = options.SampleInterval.Ticks;
        _auto = options.Forecast == SloForecast.Auto;
        var slots = options.Forecast switch
        {
            SloForecast.Seasonal => (int)(2 * (options.SeasonLength!.Value.Ticks / _slotTicks)) + LevelSlots + 8,
            SloForecast.Auto => (int)Math.Min(SloPolicyOptions.MaxSlots, 2 * (SloPolicyOptions.MaxPeriod.Ticks / _slotTicks)) + LevelSlots + 8,
            _ => 1,
        };
        _ring = new double[slots];
        if (options.Forecast == SloForecast.Seasonal)
        {
            Period = (int)(options.SeasonLength!.Value.Ticks / _slotTicks);
        }
    }

    /// <summary>The season in slots; 0 when none is known.</summary>
    public int Period { get; private set; }

    /// <summary>A longer season found alongside (a week around a day), in slots; 0 when none. The forecast uses the longest known.</summary>
    public int LongPeriod { get; private set; }

    /// <summary>Width of a slot.</summary>
    public TimeSpan SlotWidth => TimeSpan.FromTicks(_slotTicks);

    /// <summary>Closed slots held.</summary>
    public int Count => _count;

    /// <summary>Takes a value seen at <paramref name="time"/>.</summary>
    public void Observe(DateTimeOffset time, double value)
    {
        var slot = time.UtcTicks / _slotTicks;
        if (_open == long.MinValue)
        {
            (_open, _openSum, _openCount) = (slot, value, 1);
            return;
        }

        if (slot <= _open)
        {
            _openSum += value;
            _openCount++;
            return;
        }

        var mean = _openSum / _openCount;
        if (slot - _open > _ring.Length)
        {
            // Longer away than the history holds: what was seen says nothing about now.
            _count = 0;
            _detectedCount = 0;
            if (_auto)
            {
                Period = LongPeriod = 0;
            }

            Close(slot - 1, mean);
        }
        else
        {
            for (var s = _open; s < slot; s++)
            {
                Close(s, mean);
            }
        }

        (_open, _openSum, _openCount) = (slot, value, 1);
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

        var minimum = (int)(2 * SloPolicyOptions.MinPeriod.Ticks / _slotTicks);
        var hour = (int)(TimeSpan.FromHours(1).Ticks / _slotTicks);
        var grown = _count - _detectedCount;
        if (_count < minimum || (_detectedCount > 0 && grown < Math.Min(hour, Math.Max(_detectedCount / 4, minimum)) && _last - _detectedAt < hour))
        {
            return;
        }

        if (_scratch.Length < _count)
        {
            _scratch = new double[_ring.Length];
        }

        for (var i = 0; i < _count; i++)
        {
            _scratch[i] = this[_last - _count + 1 + i];
        }

        var found = PeriodDetector.Detect(_scratch.AsSpan(0, _count), SlotWidth, SloPolicyOptions.MinPeriod, SloPolicyOptions.MaxPeriod);
        Period = found.Primary is { } p ? (int)(p.Ticks / _slotTicks) : 0;
        LongPeriod = found.Secondary is { } q ? (int)(q.Ticks / _slotTicks) : 0;
        (_detectedAt, _detectedCount) = (_last, _count);
    }

    /// <summary>
    /// The largest forecast over the slots from the one being filled at <paramref name="now"/> to the one after
    /// now + <paramref name="horizon"/>; NaN while no season is known or not a season and a few minutes have been seen.
    /// </summary>
    public double ForecastMax(DateTimeOffset now, TimeSpan horizon)
    {
        var period = LongPeriod > 0 && _count >= LongPeriod + LevelSlots ? LongPeriod : Period;
        if (period <= 0 || _count < period + LevelSlots)
        {
            return double.NaN;
        }

        // One slot more than the horizon reaches: a slot holds the mean of a measured rate, which lags the demand by
        // up to its window, so a rise shows in the history up to a slot later than it happened.
        var from = now.UtcTicks / _slotTicks;
        var to = ((now + horizon).UtcTicks / _slotTicks) + 1;
        if (to - period > _last)
        {
            return double.NaN; // a season shorter than the horizon: nothing seen yet for its end
        }

        var level = 0.0;
        for (var j = _last - LevelSlots + 1; j <= _last; j++)
        {
            level += this[j] - Seasonal(j, period);
        }

        level /= LevelSlots;
        var best = double.NegativeInfinity;
        for (var s = from; s <= to; s++)
        {
            best = Math.Max(best, Seasonal(s, period) + level);
        }

        return Math.Max(0, best);
    }

    private double this[long slot] => _ring[slot % _ring.Length];

    /// <summary>Mean of the same phase in up to <see cref="MaxSeasons"/> earlier seasons still held.</summary>
    private double Seasonal(long slot, int period)
    {
        var oldest = _last - _count + 1;
        double sum = 0;
        var n = 0;
        for (var m = 1; m <= MaxSeasons; m++)
        {
            var s = slot - (m * (long)period);
            if (s < oldest || s > _last)
            {
                if (s < oldest)
                {
                    break;
                }

                continue;
            }

            sum += this[s];
            n++;
        }

        return n > 0 ? sum / n : this[_last];
    }

    private void Close(long slot, double value)
    {
        _ring[slot % _ring.Length] = value;
        _last = slot;
        if (_count < _ring.Length)
        {
            _count++;
        }
    }
}
