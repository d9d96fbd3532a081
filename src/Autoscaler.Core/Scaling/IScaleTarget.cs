namespace Autoscaler.Core.Scaling;

/// <summary>What a scaling target did when asked for a replica count.</summary>
/// <param name="Succeeded">True when the target accepted the new count.</param>
/// <param name="Replicas">The count the target reports afterwards.</param>
/// <param name="Message">What happened, for logs and the decision record.</param>
public sealed record ScaleResult(bool Succeeded, int Replicas, string Message);

/// <summary>Something whose replica count can be read and set: local processes, Ansible, Compose, Kubernetes.</summary>
public interface IScaleTarget
{
    /// <summary>Name by which configuration picks the target.</summary>
    string Name { get; }

    /// <summary>The live replica count, read from the target, never assumed.</summary>
    Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken);

    /// <summary>Moves the target to <paramref name="replicas"/>.</summary>
    Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken);
}
