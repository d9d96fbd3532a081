namespace Autoscaler.Simulation.Reports;

/// <summary>The unit the charts' time axis is drawn in, chosen so a run's length reads as a handful of ticks.</summary>
internal readonly record struct TimeAxis(double SecondsPerUnit, string Unit)
{
    public static TimeAxis For(double durationSeconds) => durationSeconds switch
    {
        <= 15 * 60 => new TimeAxis(1, "s"),
        <= 6 * 3600 => new TimeAxis(60, "min"),
        <= 3 * 86400 => new TimeAxis(3600, "h"),
        _ => new TimeAxis(86400, "d"),
    };

    public string Label => $"time ({Unit})";
}
