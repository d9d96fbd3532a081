using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.WebApp;

/// <summary>
/// Stops the replica gracefully once the process that started it is gone, so that a parent killed
/// without a chance to clean up (SIGKILL) leaves no orphaned replicas behind.
/// </summary>
internal sealed class ParentWatch(int parentId, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<ParentWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (IsAlive(parentId))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        logger.LogWarning("Parent process {Pid} is gone; stopping", parentId);
        lifetime.StopApplication();
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
