namespace Autoscaler.Gateway.Health;

/// <summary>A replica's readiness as the gateway's probes see it changed.</summary>
/// <param name="destination">The replica's address, e.g. <c>http://127.0.0.1:8001/</c>.</param>
/// <param name="ready">False: it failed its readiness probe and is out of rotation; true: it answers again.</param>
/// <param name="reason">What the probe saw, for logs.</param>
public sealed class DestinationHealthChangedEventArgs(Uri destination, bool ready, string reason) : EventArgs
{
    /// <summary>The replica's address.</summary>
    public Uri Destination { get; } = destination;

    /// <summary>False when it was taken out of rotation, true when it is back.</summary>
    public bool Ready { get; } = ready;

    /// <summary>What the probe saw.</summary>
    public string Reason { get; } = reason;
}

/// <summary>What the gateway's readiness probes say about the replicas, for whoever owns them (the local target under <c>up</c>).</summary>
public interface IGatewayHealth
{
    /// <summary>Raised when a replica fails its readiness probe and leaves rotation, and when it passes one again.</summary>
    event EventHandler<DestinationHealthChangedEventArgs>? ProbeHealthChanged;
}
