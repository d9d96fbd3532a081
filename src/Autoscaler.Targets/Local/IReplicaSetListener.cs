namespace Autoscaler.Targets.Local;

/// <summary>Told the addresses of the ready replicas whenever they change (the gateway, a file_sd file).</summary>
public interface IReplicaSetListener
{
    /// <summary>The complete set of replicas that should receive traffic and be scraped, in start order.</summary>
    Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken);
}
