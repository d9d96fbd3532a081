using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Alerts;

/// <summary>
/// Turns alert webhook calls into evaluations of the normal loop, off the HTTP request. Calls that arrive while an
/// evaluation is pending coalesce into it, and alert evaluations start at most once per
/// <see cref="ScalerOptions.AlertEvaluationInterval"/>, so a flood of webhook calls costs at most one extra look per
/// interval; <see cref="ScalerLoop.EvaluateAsync(string, CancellationToken)"/> keeps it from overlapping a tick.
/// </summary>
internal sealed partial class AlertTrigger(ScalerLoop loop, ScalerOptions options, TimeProvider time, ILogger<AlertTrigger> logger) : BackgroundService
{
    /// <summary>The most alert names one evaluation's trigger lists; the rest are counted.</summary>
    public const int MaxNames = 10;

    private readonly SpacedEvaluations _evaluations = new(options.AlertEvaluationInterval, time);
    private readonly Lock _lock = new();
    private readonly SortedSet<string> _pending = new(StringComparer.Ordinal);
    private int _more;

    /// <summary>Evaluations this trigger has run.</summary>
    public long Evaluations => _evaluations.Evaluations;

    /// <summary>
    /// Asks for one evaluation soon, naming the alerts that asked; returns at once. True when this call asked for a new
    /// evaluation, false when one was already pending and the call was folded into it.
    /// </summary>
    public bool Request(IEnumerable<string> alertNames)
    {
        lock (_lock)
        {
            foreach (var name in alertNames)
            {
                if (_pending.Count < MaxNames || _pending.Contains(name))
                {
                    _pending.Add(name);
                }
                else
                {
                    _more++;
                }
            }
        }

        return _evaluations.Request();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _evaluations.RunAsync(
        ct =>
        {
            string trigger;
            lock (_lock)
            {
                trigger = EvaluationTriggers.Alert(_pending, _more);
                _pending.Clear();
                _more = 0;
            }

            return loop.EvaluateAsync(trigger, ct);
        },
        e => LogEvaluationFailed(logger, e.Message),
        stoppingToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "An evaluation asked for by an alert failed: {Message}")]
    private static partial void LogEvaluationFailed(ILogger logger, string message);
}
