using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Leadership;

/// <summary>
/// Runs the election beside the loops (one for every service of the scaler), keeps <c>autoscaler_leader</c> up to date,
/// and has every service evaluate at once when this scaler gains the leadership, so a standby that takes over acts now
/// rather than at its next check.
/// </summary>
internal sealed partial class LeadershipService(ILeadership leadership, Fleet.ScalerFleet fleet, ILogger<LeadershipService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged(bool leader)
        {
            fleet.SetLeader(leader);
            if (leader)
            {
                _ = EvaluateNowAsync(stoppingToken);
            }
        }

        leadership.Changed += OnChanged;
        fleet.SetLeader(leadership.IsLeader);
        try
        {
            await leadership.RunAsync(stoppingToken);
        }
        finally
        {
            leadership.Changed -= OnChanged;
        }
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // A free lock file is taken before the loop's first evaluation (hosted services start in order, this one first),
        // so a lone scaler does not spend its first check as a standby.
        (leadership as FileLockLeadership)?.TryAcquire();
        return base.StartAsync(cancellationToken);
    }

    private async Task EvaluateNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(fleet.Services.Select(s => s.Loop.EvaluateAsync(EvaluationTriggers.Leader, cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEvaluationFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The evaluation on gaining the leadership failed: {Message}; the next check runs as usual")]
    private static partial void LogEvaluationFailed(ILogger logger, string message);
}
