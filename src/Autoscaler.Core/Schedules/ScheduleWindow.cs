using Cronos;

namespace Autoscaler.Core.Schedules;

/// <summary>
/// A recurring window that sets the minimum and/or maximum replica count while it is open: it opens at each occurrence
/// of a cron expression (in a time zone) and closes at the next occurrence of another, or after a duration.
/// </summary>
public sealed class ScheduleWindow
{
    private readonly CronExpression _start;
    private readonly CronExpression? _end;
    private readonly TimeSpan _duration;
    private readonly TimeZoneInfo _zone;

    /// <summary>A window; give <paramref name="end"/> or a positive <paramref name="duration"/>, and at least one of the counts.</summary>
    /// <param name="name">Its name in decisions.</param>
    /// <param name="start">Opens at each occurrence.</param>
    /// <param name="end">Closes at the first occurrence after it opened; null: after <paramref name="duration"/>.</param>
    /// <param name="duration">How long it stays open when <paramref name="end"/> is null.</param>
    /// <param name="zone">The time zone the expressions are read in.</param>
    /// <param name="minReplicas">The minimum while open; null: not set by this window.</param>
    /// <param name="maxReplicas">The maximum while open; null: not set by this window.</param>
    public ScheduleWindow(string name, CronExpression start, CronExpression? end, TimeSpan duration, TimeZoneInfo zone, int? minReplicas, int? maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(zone);
        if (end is null && duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("a window needs an end or a positive duration", nameof(duration));
        }

        (Name, _start, _end, _duration, _zone, MinReplicas, MaxReplicas) = (name, start, end, duration, zone, minReplicas, maxReplicas);
        Source = $"schedule {name}";
    }

    /// <summary>Its name in decisions.</summary>
    public string Name { get; }

    /// <summary>The minimum while open; null when this window leaves it alone.</summary>
    public int? MinReplicas { get; }

    /// <summary>The maximum while open; null when this window leaves it alone.</summary>
    public int? MaxReplicas { get; }

    // Made once, so the decision's phrase costs nothing per evaluation.
    internal string Source { get; }

    /// <summary>
    /// Whether the window is open at <paramref name="now"/>, and until when that answer holds at least (the next
    /// moment it may open or close; <see cref="DateTimeOffset.MaxValue"/> when never). Open on [opening, closing).
    /// </summary>
    public (bool Open, DateTimeOffset Until) StateAt(DateTimeOffset now)
    {
        if (_end is { } end)
        {
            // KEDA's cron scaler's test: inside a window when the next end comes before the next start.
            var nextStart = _start.GetNextOccurrence(now, _zone) ?? DateTimeOffset.MaxValue;
            var nextEnd = end.GetNextOccurrence(now, _zone) ?? DateTimeOffset.MaxValue;
            return nextEnd < nextStart ? (true, nextEnd) : (false, nextStart);
        }

        // The earliest opening after now - duration: if it is not after now, that occurrence is still open.
        if (_start.GetNextOccurrence(now - _duration, _zone) is not { } o)
        {
            return (false, DateTimeOffset.MaxValue);
        }

        return o <= now ? (true, o + _duration) : (false, o);
    }
}
