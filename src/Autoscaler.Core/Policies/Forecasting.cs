namespace Autoscaler.Core.Policies;

/// <summary>
/// The last slots of a series in a fixed ring: slot numbers are absolute (time / sample interval), values are
/// per-slot means. Adding allocates nothing.
/// </summary>
internal sealed class SlotHistory(int capacity)
{
    private readonly double[] _values = new double[capacity];

    /// <summary>Number of the newest slot.</summary>
    public long Last { get; private set; } = -1;

    public int Count { get; private set; }

    /// <summary>The most slots held.</summary>
    public int Capacity => _values.Length;

    public double this[long slot] => _values[Index(slot)];

    /// <summary>Adds the next slot (the one after <see cref="Last"/>, or any slot when empty).</summary>
    public void Add(long slot, double value)
    {
        _values[Index(slot)] = value;
        Last = slot;
        if (Count < _values.Length)
        {
            Count++;
        }
    }

    public void Clear()
    {
        Count = 0;
        Last = -1;
    }

    // Slots count from 0001-01-01 (see PredictivePolicy), so they are never negative.
    private int Index(long slot) => (int)(slot % _values.Length);
}

/// <summary>
/// The slot being filled: the values seen in one slot are averaged, and the first value of a later slot closes it.
/// Starts empty; allocates nothing.
/// </summary>
internal struct OpenSlot
{
    private bool _any;
    private double _sum;
    private int _count;

    /// <summary>Number of the slot being filled; meaningful once a value was added.</summary>
    public long Slot { get; private set; }

    /// <summary>True once a value was added.</summary>
    public readonly bool Any => _any;

    /// <summary>
    /// Adds <paramref name="value"/> seen in <paramref name="slot"/>. A value for the open slot (or an earlier one: a clock
    /// that stepped back) joins its mean and returns false; a value for a later slot returns true with the slot it
    /// closes and that slot's mean, and opens its own.
    /// </summary>
    public bool Add(long slot, double value, out long closed, out double mean)
    {
        (closed, mean) = (Slot, 0);
        if (_any && slot <= Slot)
        {
            _sum += value;
            _count++;
            return false;
        }

        var closes = _any;
        if (closes)
        {
            mean = _sum / _count;
        }

        (_any, Slot, _sum, _count) = (true, slot, value, 1);
        return closes;
    }
}

/// <summary>A one-slot-at-a-time forecaster over absolute slot numbers.</summary>
internal interface IForecaster
{
    /// <summary>True once it has seen enough history to forecast.</summary>
    bool Ready { get; }

    /// <summary>Learns the value of slot <paramref name="slot"/>, which <paramref name="history"/> already holds as its newest.</summary>
    void Learn(long slot, double value, SlotHistory history);

    /// <summary>The forecast for slot <paramref name="target"/>, <paramref name="ahead"/> slots after the newest learnt one (1 ≤ ahead ≤ season).</summary>
    double Forecast(long target, int ahead, SlotHistory history);

    void Reset();
}

/// <summary>
/// Additive Holt-Winters over <c>m</c> slots per season:
/// <c>L = α(y − S) + (1 − α)(L + T)</c>, <c>T = β(L − L′) + (1 − β)T</c>, <c>S = γ(y − L) + (1 − γ)S</c>,
/// forecast <c>L + h·T + S[target]</c>. Initialised from the first full season: level its mean, no trend,
/// seasonal indices the deviations from that mean.
/// </summary>
internal sealed class HoltWintersForecaster(int slotsPerSeason, double alpha, double beta, double gamma) : IForecaster
{
    private readonly double[] _season = new double[slotsPerSeason];
    private double _level;
    private double _trend;
    private int _seen;

    public bool Ready => _seen >= slotsPerSeason;

    public void Learn(long slot, double value, SlotHistory history)
    {
        if (!Ready)
        {
            if (++_seen == slotsPerSeason)
            {
                Initialise(history);
            }

            return;
        }

        var phase = Phase(slot);
        var previous = _level;
        _level = (alpha * (value - _season[phase])) + ((1 - alpha) * (_level + _trend));
        _trend = (beta * (_level - previous)) + ((1 - beta) * _trend);
        _season[phase] = (gamma * (value - _level)) + ((1 - gamma) * _season[phase]);
    }

    public double Forecast(long target, int ahead, SlotHistory history) => _level + (ahead * _trend) + _season[Phase(target)];

    public void Reset()
    {
        _seen = 0;
        (_level, _trend) = (0, 0);
    }

    private void Initialise(SlotHistory history)
    {
        var sum = 0.0;
        for (var s = history.Last - slotsPerSeason + 1; s <= history.Last; s++)
        {
            sum += history[s];
        }

        _level = sum / slotsPerSeason;
        _trend = 0;
        for (var s = history.Last - slotsPerSeason + 1; s <= history.Last; s++)
        {
            _season[Phase(s)] = history[s] - _level;
        }
    }

    private int Phase(long slot) => (int)(slot % slotsPerSeason);
}

/// <summary>
/// Seasonal naive plus trend: the value one season before the target, plus the seasonal difference
/// <c>D = y − y(one season earlier)</c> fitted by least squares as a line over the last <c>w</c> slots and
/// extrapolated to the target. Exact for a repeating shape plus a linear trend, and for a new ramp on a flat past.
/// The fit's sums are kept up to date as the window slides (O(1) a slot) and recomputed once per window against drift.
/// </summary>
internal sealed class SeasonalNaiveForecaster(int slotsPerSeason, int window) : IForecaster
{
    private int _n;        // differences in the window, up to w
    private double _sum;   // Σ D_j over the window, j = 0 (oldest) … n − 1 (newest)
    private double _moment; // Σ j·D_j
    private int _slides;

    public bool Ready => _n > 0;

    public void Learn(long slot, double value, SlotHistory history)
    {
        if (history.Count <= slotsPerSeason)
        {
            return; // not a season and a slot yet: no difference to take
        }

        var newest = Difference(history, history.Last);
        if (_n < window)
        {
            _sum += newest;
            _moment += _n * newest;
            _n++;
            return;
        }

        var oldest = Difference(history, history.Last - window);
        _moment += ((window - 1) * newest) - (_sum - oldest); // every j moves down one; the newest enters at w − 1
        _sum += newest - oldest;
        if (++_slides % window == 0)
        {
            Recompute(history);
        }
    }

    public double Forecast(long target, int ahead, SlotHistory history)
    {
        var middle = (_n - 1) / 2.0;
        var spread = _n * ((_n * (double)_n) - 1) / 12; // Σ (j − middle)²
        var slope = _n > 1 ? (_moment - (middle * _sum)) / spread : 0;
        var difference = (_sum / _n) + (slope * (ahead + _n - 1 - middle));
        return history[target - slotsPerSeason] + difference;
    }

    public void Reset() => (_n, _sum, _moment, _slides) = (0, 0, 0, 0);

    private void Recompute(SlotHistory history)
    {
        (_sum, _moment) = (0, 0);
        for (var j = 0; j < _n; j++)
        {
            var d = Difference(history, history.Last - _n + 1 + j);
            _sum += d;
            _moment += j * d;
        }
    }

    private double Difference(SlotHistory history, long slot) => history[slot] - history[slot - slotsPerSeason];
}
