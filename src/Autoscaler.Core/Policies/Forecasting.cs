namespace Autoscaler.Core.Policies;

/// <summary>
/// The last slots of a series in a fixed ring: slot numbers are absolute (time / sample interval), values are
/// per-slot means. Adding allocates nothing.
/// </summary>
internal sealed class SlotHistory(int capacity)
{
    private readonly double[] _values = new double[capacity];

    /// <summary>Number of the oldest slot still held; meaningless while <see cref="Count"/> is 0.</summary>
    public long First { get; private set; }

    /// <summary>Number of the newest slot.</summary>
    public long Last { get; private set; } = -1;

    public int Count { get; private set; }

    public double this[long slot] => _values[Index(slot)];

    public bool Holds(long slot) => Count > 0 && slot >= First && slot <= Last;

    /// <summary>Adds the next slot (the one after <see cref="Last"/>, or any slot when empty).</summary>
    public void Add(long slot, double value)
    {
        if (Count == 0)
        {
            First = slot;
        }

        _values[Index(slot)] = value;
        Last = slot;
        if (Count < _values.Length)
        {
            Count++;
        }
        else
        {
            First++;
        }
    }

    public void Clear()
    {
        Count = 0;
        Last = -1;
    }

    private int Index(long slot) => (int)(((slot % _values.Length) + _values.Length) % _values.Length);
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

    private int Phase(long slot) => (int)(((slot % slotsPerSeason) + slotsPerSeason) % slotsPerSeason);
}

/// <summary>
/// Seasonal naive plus trend: the value one season before the target, plus the seasonal difference
/// <c>D = y − y(one season earlier)</c> fitted by least squares over the last <c>w</c> slots and extrapolated
/// to the target. Exact for a repeating shape plus a linear trend, and for a new ramp on a flat past.
/// </summary>
internal sealed class SeasonalNaiveForecaster(int slotsPerSeason, int window) : IForecaster
{
    private double _meanDifference;
    private double _slope;
    private double _meanOffset;

    public bool Ready { get; private set; }

    public void Learn(long slot, double value, SlotHistory history)
    {
        // Fit D(x) = mean + slope·(x − meanOffset) over x = i − newest, for the recent slots with a season before them.
        var oldest = Math.Max(history.Last - window + 1, history.First + slotsPerSeason);
        var n = history.Last - oldest + 1;
        Ready = n >= 1;
        if (!Ready)
        {
            return;
        }

        double sumX = 0, sumD = 0;
        for (var i = oldest; i <= history.Last; i++)
        {
            sumX += i - history.Last;
            sumD += history[i] - history[i - slotsPerSeason];
        }

        _meanOffset = sumX / n;
        _meanDifference = sumD / n;
        double sxx = 0, sxd = 0;
        for (var i = oldest; i <= history.Last; i++)
        {
            var dx = i - history.Last - _meanOffset;
            sxx += dx * dx;
            sxd += dx * (history[i] - history[i - slotsPerSeason] - _meanDifference);
        }

        _slope = sxx > 0 ? sxd / sxx : 0;
    }

    public double Forecast(long target, int ahead, SlotHistory history) =>
        history[target - slotsPerSeason] + _meanDifference + (_slope * (ahead - _meanOffset));

    public void Reset()
    {
        Ready = false;
        (_meanDifference, _slope, _meanOffset) = (0, 0, 0);
    }
}
