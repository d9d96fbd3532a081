namespace Autoscaler.Core.Policies.Slo;

/// <summary>
/// How far demand recently rose above what was planned for it, as a share of the plan: each plan (the demand the
/// rule sized for at time t) is compared with the largest demand measured in (t, t + horizon]; the headroom is a high
/// quantile of the under-forecasts <c>max(0, actual / planned − 1)</c> of the last ten minutes or so. When checks come
/// further apart than the horizon, the first demand measured after it stands for it, so every plan is still checked;
/// when they come so often that more than <see cref="MaxPending"/> plans are open at once, new plans are left unchecked
/// until the oldest close (a sample of plans, never none). A forecast that is
/// right earns a small margin, a bad one (or none, on traffic with sudden rises) a large one. Until enough plans
/// have been checked, a prior margin is blended in as if it had been seen <see cref="PriorWeight"/> times.
/// </summary>
internal sealed class Headroom
{
    /// <summary>
    /// Plans remembered: 60, ten minutes at the default 10 s check, several horizons' worth of errors, yet short enough
    /// that the margin a ramp or a burst called for is given back soon after it ends.
    /// </summary>
    public const int Window = 60;

    /// <summary>The margin before any plan has been checked: 10 %, about one standard deviation of a 30 s rate at 10 req/s.</summary>
    public const double Prior = 0.1;

    /// <summary>How many checked plans the prior counts as.</summary>
    public const int PriorWeight = 10;

    /// <summary>Plans open at once at most.</summary>
    public const int MaxPending = 64;

    // Plans not yet checked: their time, the planned demand and the largest demand seen since.
    private readonly long[] _pendingTicks = new long[MaxPending];
    private readonly double[] _pendingPlan = new double[MaxPending];
    private readonly double[] _pendingMax = new double[MaxPending];
    private readonly double[] _errors = new double[Window];
    private readonly double[] _scratch = new double[Window];
    private readonly double _quantile;
    private readonly long _horizonTicks;
    private int _pendingHead;
    private int _pendingCount;
    private int _errorNext;
    private int _errorCount;

    public Headroom(TimeSpan horizon, double quantile)
    {
        _horizonTicks = horizon.Ticks;
        _quantile = quantile;
    }

    /// <summary>The current margin, as a share of the planned demand.</summary>
    public double Margin { get; private set; } = Prior;

    /// <summary>Plans checked so far (at most <see cref="Window"/> are kept).</summary>
    public int Checked => _errorCount;

    /// <summary>
    /// Records the demand <paramref name="measured"/> at <paramref name="now"/> against the plans still open, closes
    /// those whose horizon has passed, and remembers <paramref name="planned"/> as a new plan.
    /// </summary>
    public void Observe(DateTimeOffset now, double measured, double planned)
    {
        var ticks = now.UtcTicks;
        var closed = false;
        for (var i = 0; i < _pendingCount; i++)
        {
            var k = (_pendingHead + i) % _pendingTicks.Length;
            if (ticks > _pendingTicks[k] && ticks <= _pendingTicks[k] + _horizonTicks)
            {
                _pendingMax[k] = double.IsNaN(_pendingMax[k]) ? measured : Math.Max(_pendingMax[k], measured);
            }
        }

        while (_pendingCount > 0 && (ticks >= _pendingTicks[_pendingHead] + _horizonTicks || ticks < _pendingTicks[_pendingHead]))
        {
            var plan = _pendingPlan[_pendingHead];
            var actual = _pendingMax[_pendingHead];
            if (double.IsNaN(actual) && ticks > _pendingTicks[_pendingHead])
            {
                // No measurement fell within the horizon (checks further apart than it): the first one after stands in.
                actual = measured;
            }

            if (plan > 0 && !double.IsNaN(actual))
            {
                _errors[_errorNext] = Math.Max(0, (actual / plan) - 1);
                _errorNext = (_errorNext + 1) % Window;
                _errorCount = Math.Min(_errorCount + 1, Window);
                closed = true;
            }

            _pendingHead = (_pendingHead + 1) % _pendingTicks.Length;
            _pendingCount--;
        }

        if (_pendingCount < _pendingTicks.Length)
        {
            // Checks far more often than the horizon fill the ring: the plans already open are checked, this one is not.
            var slot = (_pendingHead + _pendingCount) % _pendingTicks.Length;
            (_pendingTicks[slot], _pendingPlan[slot], _pendingMax[slot]) = (ticks, planned, double.NaN);
            _pendingCount++;
        }
        if (closed)
        {
            Margin = Compute();
        }
    }

    private double Compute()
    {
        Array.Copy(_errors, _scratch, _errorCount);
        var span = _scratch.AsSpan(0, _errorCount);
        span.Sort();
        var index = Math.Min(_errorCount - 1, (int)Math.Ceiling(_quantile * _errorCount) - 1);
        var observed = span[Math.Max(0, index)];
        return ((observed * _errorCount) + (Prior * PriorWeight)) / (_errorCount + PriorWeight);
    }
}
