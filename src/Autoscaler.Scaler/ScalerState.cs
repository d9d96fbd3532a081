using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;

namespace Autoscaler.Scaler;

/// <summary>
/// A decision, what the target said when asked to act on it (null when it was not asked), and what started the
/// evaluation: <c>tick</c>, or <c>alert:NAME[,NAME…]</c> when an Alertmanager webhook asked for a look. <paramref name="Standby"/>
/// says why a decision to change the count was not applied by a scaler that does not lead (<c>standby: HOLDER leads</c>).
/// </summary>
public sealed record DecisionEntry(ScalingDecision Decision, ScaleResult? Action, string Trigger = EvaluationTriggers.Tick, string? Standby = null);

/// <summary>The values of <see cref="DecisionEntry.Trigger"/>.</summary>
public static class EvaluationTriggers
{
    /// <summary>The periodic check.</summary>
    public const string Tick = "tick";

    /// <summary>An Alertmanager webhook naming these alerts, and <paramref name="more"/> that are only counted.</summary>
    public static string Alert(IEnumerable<string> alertNames, int more = 0) =>
        "alert:" + string.Join(',', alertNames) + (more > 0 ? $" (+{more} more)" : "");

    /// <summary>The gateway turned requests away (503): evaluated at once rather than at the next check.</summary>
    public const string Overload = "overload";

    /// <summary><c>PUT /api/v1/replicas</c> with <c>"pause": true</c>: the evaluation that moves the target to the paused count.</summary>
    public const string Pause = "pause";

    /// <summary><c>DELETE /api/v1/pause</c>: the evaluation right after the pause ended.</summary>
    public const string Resume = "resume";

    /// <summary>This scaler just gained the leadership: evaluated at once, so a standby that takes over acts now.</summary>
    public const string Leader = "leader";
}

/// <summary>
/// The last Alertmanager webhook call: when, its group status, its first alerts as <c>NAME=status</c> (at most
/// <see cref="MaxAlerts"/>, so one huge call cannot bloat the status) and how many it held.
/// </summary>
public sealed record AlertNotice(DateTimeOffset Received, string Status, IReadOnlyList<string> Alerts, int Count)
{
    /// <summary>The most alerts a notice lists.</summary>
    public const int MaxAlerts = 20;
}

/// <summary>What <c>GET /api/v1/status</c> shows; <c>leader</c> is false on a standby, <c>holder</c> names the leader when known.</summary>
public sealed record ScalerStatus(
    string Target,
    string Metric,
    string Query,
    int? CurrentReplicas,
    int? DesiredReplicas,
    double? LastMetricValue,
    string? LastError,
    DateTimeOffset? LastEvaluation,
    IReadOnlyList<DecisionEntry> LastDecisions,
    AlertNotice? LastAlert = null,
    ScalingPause? Pause = null,
    bool Leader = true,
    string? Holder = null);

/// <summary>The scaler's recent history, shared by the loop and the HTTP API. Thread-safe.</summary>
public sealed class ScalerState(string target, string metric, string query, int keep = 50)
{
    private string _target = target;
    private string _metric = metric;
    private string _query = query;
    private readonly Lock _lock = new();
    private readonly LinkedList<DecisionEntry> _decisions = new();
    private int? _current;
    private int? _desired;
    private double? _lastValue;
    private string? _lastError;
    private DateTimeOffset? _lastEvaluation;
    private AlertNotice? _lastAlert;
    private ScalingPause? _pause;

    /// <summary>The service's file changed: what the status names as its target and first metric from now on.</summary>
    public void Reconfigure(string target, string metric, string query)
    {
        lock (_lock)
        {
            (_target, _metric, _query) = (target, metric, query);
        }
    }

    /// <summary>The last hour of evaluations, for the console's charts.</summary>
    public Console.EvaluationHistory History { get; } = new();

    /// <summary>Records one evaluation.</summary>
    public void Record(DecisionEntry entry)
    {
        History.Record(entry);
        lock (_lock)
        {
            var d = entry.Decision;
            _current = entry.Action is { Succeeded: true } a ? a.Replicas : d.CurrentReplicas;
            _desired = d.DesiredReplicas;
            _lastValue = d.Readings.Where(r => r.Metric == _metric).Select(r => r.Value).FirstOrDefault();
            _lastError = d.Readings.Where(r => !r.Succeeded).Select(r => r.Message).FirstOrDefault() ?? (entry.Action is { Succeeded: false } f ? f.Message : null);
            _lastEvaluation = d.Time;
            _pause = d.Pause;
            _decisions.AddFirst(entry);
            while (_decisions.Count > keep)
            {
                _decisions.RemoveLast();
            }
        }
    }

    /// <summary>Records an evaluation that could not run (e.g. the target could not be read).</summary>
    public void RecordError(DateTimeOffset time, string error)
    {
        lock (_lock)
        {
            _lastError = error;
            _lastEvaluation = time;
        }
    }

    /// <summary>Records a count set outside the loop (<c>PUT /api/v1/replicas</c>), so the status shows it before the next evaluation.</summary>
    public void RecordReplicas(int current)
    {
        lock (_lock)
        {
            _current = current;
        }
    }

    /// <summary>Records a pause begun or ended outside an evaluation, so the status shows it at once.</summary>
    public void RecordPause(ScalingPause? pause)
    {
        lock (_lock)
        {
            _pause = pause;
        }
    }

    /// <summary>Records an Alertmanager webhook call.</summary>
    public void RecordAlert(AlertNotice notice)
    {
        lock (_lock)
        {
            _lastAlert = notice;
        }
    }

    /// <summary>A consistent copy for the API.</summary>
    public ScalerStatus Snapshot()
    {
        lock (_lock)
        {
            return new ScalerStatus(_target, _metric, _query, _current, _desired, _lastValue, _lastError, _lastEvaluation, [.. _decisions], _lastAlert, _pause);
        }
    }
}
