using Microsoft.Extensions.Hosting;

namespace Autoscaler.Cli.Up;

/// <summary>
/// For hosts that run inside <c>autoscaler up</c>: they do not listen for Ctrl+C themselves;
/// the stack stops them in order (scaler, replicas, gateway, Prometheus).
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
