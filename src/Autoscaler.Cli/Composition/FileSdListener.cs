using Autoscaler.Prometheus.Discovery;
using Autoscaler.Targets.Local;

namespace Autoscaler.Cli.Composition;

/// <summary>Writes the ready replicas into the file_sd file that Prometheus (and a gateway watching it) read.</summary>
internal sealed class FileSdListener(FileSdWriter writer) : IReplicaSetListener
{
    public Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken) =>
        writer.WriteAsync(ready.Select(u => u.Authority), cancellationToken: cancellationToken);
}
