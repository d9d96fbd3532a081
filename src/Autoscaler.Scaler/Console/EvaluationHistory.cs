namespace Autoscaler.Scaler.Console;

/// <summary>One evaluation as the console charts it: the count after it, the count it chose, each metric's value (null: no value).</summary>
public sealed record HistoryPoint(DateTimeOffset Time, int Current, int Desired, IReadOnlyDictionary<string, double?> Metrics);

/// <summary>A change of the replica count: by the loop (its decision's reason and trigger), or from outside it (the API, the target).</summary>
public sealed record ScaleEvent(DateTimeOffset Time, int From, int To, string Reason, string Trigger);

/// <summary>What <c>GET /api/v1/services/{name}/history</c> answers.</summary>
public sealed record HistoryView(IReadOnlyList<HistoryPoint> Points, IReadOnlyList<ScaleEvent> Events);

/// <summary>
/// The scaler's own recent history of one service, for the console's charts when Prometheus has none: the last hour of
/// evaluations and the count changes among them. Fed by <see cref="ScalerState.Record"/>, so it costs one small record per
/// evaluation whether anyone looks or not. Thread-safe.
/// </summary>
public sealed class EvaluationHistory(TimeSpan? keep = null)
{
    /// <summary>How far back the history reaches.</summary>
    public static readonly TimeSpan DefaultKeep = TimeSpan.FromHours(1);

    // A bound on memory whatever the check interval (at 50 ms an hour is 72,000 evaluations): past it the oldest go first.
    internal const int MaxPoints = 7200;

    private readonly TimeSpan _keep = keep ?? DefaultKeep;
    private readonly Lock _lock = new();
    private readonly Queue<HistoryPoint> _points = new();
    private readonly Queue<ScaleEvent> _events = new();
    private HistoryPoint? _last;

    /// <summary>Adds one evaluation; an event when the count differs from the last evaluation's (or this one's action changed it).</summary>
    public void Record(DecisionEntry entry)
    {
        var decision = entry.Decision;
        var after = entry.Action is { Succeeded: true } action ? action.Replicas : decision.CurrentReplicas;
        var metrics = new Dictionary<string, double?>(decision.Readings.Count, StringComparer.Ordinal);
        foreach (var reading in decision.Readings)
        {
            metrics[reading.Metric] = reading.Value;
        }

        var point = new HistoryPoint(decision.Time, after, decision.DesiredReplicas, metrics);
        lock (_lock)
        {
            // Between two evaluations the count moved without the loop: the API set it, or replicas died.
            if (_last is { } last && last.Current != decision.CurrentReplicas)
            {
                _events.Enqueue(new ScaleEvent(decision.Time, last.Current, decision.CurrentReplicas, "changed outside the loop (the API or the target)", "outside"));
            }

            if (after != decision.CurrentReplicas)
            {
                _events.Enqueue(new ScaleEvent(decision.Time, decision.CurrentReplicas, after, decision.Reason, entry.Trigger));
            }

            _points.Enqueue(point);
            _last = point;
            while (_points.Count > MaxPoints)
            {
                _points.Dequeue();
            }

            Trim(decision.Time);
        }
    }

    /// <summary>
    /// The points and events of the hour up to <paramref name="now"/>, oldest first; with <paramref name="maxPoints"/>,
    /// thinned to about that many (every k-th point, and each point where a count changed, so steps stay where they were).
    /// </summary>
    public HistoryView Snapshot(DateTimeOffset now, int? maxPoints = null)
    {
        lock (_lock)
        {
            Trim(now);
            if (maxPoints is not { } most || _points.Count <= most)
            {
                return new HistoryView([.. _points], [.. _events]);
            }

            var every = (int)Math.Ceiling(_points.Count / (double)most);
            var kept = new List<HistoryPoint>(most * 2);
            HistoryPoint? previous = null;
            var i = 0;
            foreach (var point in _points)
            {
                var changed = previous is not null && (previous.Current != point.Current || previous.Desired != point.Desired);
                if (changed || i % every == 0 || i == _points.Count - 1)
                {
                    kept.Add(point);
                }

                previous = point;
                i++;
            }

            return new HistoryView(kept, [.. _events]);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        var oldest = now - _keep;
        while (_points.Count > 0 && _points.Peek().Time < oldest)
        {
            _points.Dequeue();
        }

        while (_events.Count > 0 && _events.Peek().Time < oldest)
        {
            _events.Dequeue();
        }
    }
}
