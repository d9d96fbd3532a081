using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Alerts;

/// <summary>
/// Turns alert webhook calls into evaluations of the normal loop, off the HTTP request. Calls that arrive while an
/// evaluation is pending or running coalesce into one more evaluation, so a burst of alerts costs at most one extra
/// look; <see cref="ScalerLoop.EvaluateAsync(string, CancellationToken)"/> keeps it from overlapping a tick.
/// </summary>
internal sealed partial class AlertTrigger(ScalerLoop loop, ILogger<AlertTrigger> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly Lock _lock = new();
    private readonly SortedSet<string> _pending = new(StringComparer.Ordinal);

    /// <summary>Evaluations this trigger has run.</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    private long _evaluations;

    /// <summary>Asks for one evaluation soon, naming the alerts that asked; returns at once.</summary>
    public void Request(IEnumerable<string> alertNames)
    {
        lock (_lock)
        {
            _pending.UnionWith(alertNames);
        }

        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken))
            {
                string[] names;
                lock (_lock)
                {
                    names = [.. _pending];
                    _pending.Clear();
                }

                try
                {
                    await loop.EvaluateAsync(EvaluationTriggers.Alert(names), stoppingToken);
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
