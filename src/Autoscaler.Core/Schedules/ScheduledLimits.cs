namespace Autoscaler.Core.Schedules;

/// <summary>The [min, max] in force at one moment, and which schedule windows set them.</summary>
/// <param name="MinReplicas">The minimum in force.</param>
/// <param name="MaxReplicas">The maximum in force (never below the minimum).</param>
/// <param name="Windows">The names of the open windows, in file order; empty when none.</param>
/// <param name="MinSource">What set the minimum (<c>schedule NAME</c>); null: the policy's own.</param>
/// <param name="MaxSource">What set the maximum (<c>schedule NAME</c>); null: the policy's own.</param>
/// <param name="Conflict">When open windows cross (a minimum above a maximum), what was resolved and how; else null.</param>
public readonly record struct LimitsInForce(int MinReplicas, int MaxReplicas, IReadOnlyList<string> Windows, string? MinSource = null, string? MaxSource = null, string? Conflict = null)
{
    /// <summary>Clamps <paramref name="replicas"/> to [min, max].</summary>
    public int Clamp(int replicas) => Math.Clamp(replicas, MinReplicas, MaxReplicas);
}

/// <summary>
/// The policy's [min, max] changed by its schedule windows. Overlapping windows combine: the largest minimum and the
/// smallest maximum of the open windows that set one; a bound no open window sets is the policy's own. When open
/// windows cross (one's minimum above another's maximum), the maximum wins: it is the bound that caps cost and load.
/// The answer is computed again only when the time passes the next moment a window opens or closes (or goes back),
/// so a steady evaluation allocates nothing.
/// </summary>
public sealed class ScheduledLimits
{
    private static readonly string[] None = [];
    private readonly ScheduleWindow[] _windows;
    private readonly int _min;
    private readonly int _max;
    private DateTimeOffset _from = DateTimeOffset.MaxValue;
    private DateTimeOffset _until = DateTimeOffset.MinValue;
    private LimitsInForce _current;

    /// <summary>The policy's own [<paramref name="minReplicas"/>, <paramref name="maxReplicas"/>] and its windows.</summary>
    public ScheduledLimits(int minReplicas, int maxReplicas, IReadOnlyList<ScheduleWindow> windows)
    {
        (_min, _max, _windows) = (minReplicas, Math.Max(minReplicas, maxReplicas), [.. windows]);
        _current = new LimitsInForce(_min, _max, None);
    }

    /// <summary>The limits in force at <paramref name="now"/>.</summary>
    public LimitsInForce At(DateTimeOffset now)
    {
        if (_windows.Length > 0 && (now < _from || now >= _until))
        {
            _current = Compute(now, out _until);
            _from = now;
        }

        return _current;
    }

    private LimitsInForce Compute(DateTimeOffset now, out DateTimeOffset until)
    {
        until = DateTimeOffset.MaxValue;
        int? min = null, max = null;
        string? minSource = null, maxSource = null;
        var open = new List<string>();
        foreach (var window in _windows)
        {
            var (isOpen, changes) = window.StateAt(now);
            until = changes < until ? changes : until;
            if (!isOpen)
            {
                continue;
            }

            open.Add(window.Name);
            if (window.MinReplicas is { } lo && (min is null || lo > min))
            {
                (min, minSource) = (lo, window.Source);
            }

            if (window.MaxReplicas is { } hi && (max is null || hi < max))
            {
                (max, maxSource) = (hi, window.Source);
            }
        }

        var inForceMin = min ?? _min;
        var inForceMax = max ?? _max;
        string? conflict = null;
        if (inForceMin > inForceMax)
        {
            conflict = $"min {inForceMin} ({minSource ?? "policy"}) is above max {inForceMax} ({maxSource ?? "policy"}): the max wins";
            (inForceMin, minSource) = (inForceMax, maxSource);
        }

        return new LimitsInForce(inForceMin, inForceMax, open.Count == 0 ? None : [.. open], minSource, maxSource, conflict);
    }
}
