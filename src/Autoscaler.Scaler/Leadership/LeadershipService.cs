using Microsoft.Extensions.Hosting;

namespace Autoscaler.Scaler.Leadership;

/// <summary>Runs the election beside the loop and keeps <c>autoscaler_leader</c> up to date.</summary>
internal sealed class LeadershipService(ILeadership leadership, ScalerTelemetry telemetry) : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        leadership.Changed += telemetry.SetLeader;
        telemetry.SetLeader(leadership.IsLeader);

        return leadership.RunAsync(stoppingToken);
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // A free lock file is taken before the loop's first evaluation (hosted services start in order, this one first),
        // so a lone scaler does not spend its first check as a standby.
        (leadership as FileLockLeadership)?.TryAcquire();
        return base.StartAsync(cancellationToken);
    }
}
