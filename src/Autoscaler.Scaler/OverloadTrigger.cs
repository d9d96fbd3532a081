using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler;

/// <summary>
/// Evaluates at once when the service turns requests away (the gateway answered 503: every replica full, or none
/// could take the request), instead of waiting up to a whole check interval: a step in load no policy foresaw is
/// felt by clients from the moment the replicas' queues fill. Evaluations it runs are at least
/// <paramref name="minimumInterval"/> apart (the scrape interval: an evaluation sooner than the next scrape reads the
/// same numbers again), and requests that arrive meanwhile coalesce into the next one, so a flood of rejections
/// costs one evaluation per interval. Like an alert's, its evaluations decide with what the periodic checks learnt.
/// </summary>
public sealed partial class OverloadTrigger(
    Func<CancellationToken, Task> evaluate,
    TimeSpan minimumInterval,
    TimeProvider time,
    ILogger<OverloadTrigger> logger) : BackgroundService
{
    private readonly SpacedEvaluations _evaluations = new(minimumInterval, time);
    private long _requests;

    /// <summary>Evaluates through the scaler's loop, recorded with the trigger <see cref="EvaluationTriggers.Overload"/>.</summary>
    public OverloadTrigger(ScalerLoop loop, TimeSpan minimumInterval, TimeProvider time, ILogger<OverloadTrigger> logger)
        : this(ct => loop.EvaluateAsync(EvaluationTriggers.Overload, ct), minimumInterval, time, logger)
    {
    }

    /// <summary>Evaluations this trigger has run.</summary>
    public long Evaluations => _evaluations.Evaluations;

    /// <summary>Calls to <see cref="Request"/> so far (each rejected request, from the gateway).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Asks for an evaluation as soon as the interval allows; returns at once, cheap enough to call per request.</summary>
    public void Request()
    {
        Interlocked.Increment(ref _requests);
        _evaluations.Request();
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _evaluations.RunAsync(evaluate, e => LogEvaluationFailed(logger, e.Message), stoppingToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "An evaluation asked for by rejected requests failed: {Message}")]
    private static partial void LogEvaluationFailed(ILogger logger, string message);
}
