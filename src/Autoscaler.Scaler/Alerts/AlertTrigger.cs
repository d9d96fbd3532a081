using System.Threading.Channels;
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

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        // Full means an evaluation is already pending: the write fails and the call is coalesced into it.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly Lock _lock = new();
    private readonly SortedSet<string> _pending = new(StringComparer.Ordinal);
    private int _more;
    private long _evaluations;

    /// <summary>Evaluations this trigger has run.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

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

        return _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? lastStart = null;
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                if (lastStart is { } last && time.GetElapsedTime(last) is var since && since < options.AlertEvaluationInterval)
                {
                    // The request stays in the channel while we wait, so calls that arrive meanwhile fold into it.
                    await Task.Delay(options.AlertEvaluationInterval - since, time, stoppingToken);
                }

                // Taken off before the evaluation starts: a call during it may have seen something this one will not read.
                _wake.Reader.TryRead(out _);
                string trigger;
                lock (_lock)
                {
                    trigger = EvaluationTriggers.Alert(_pending, _more);
                    _pending.Clear();
                    _more = 0;
                }

                lastStart = time.GetTimestamp();
                try
                {
                    await loop.EvaluateAsync(trigger, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogEvaluationFailed(logger, e.Message);
                }
                finally
                {
                    Interlocked.Increment(ref _evaluations);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An evaluation asked for by an alert failed: {Message}")]
    private static partial void LogEvaluationFailed(ILogger logger, string message);
}
