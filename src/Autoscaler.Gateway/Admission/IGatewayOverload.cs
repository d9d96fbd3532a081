namespace Autoscaler.Gateway.Admission;

/// <summary>When the gateway turns a request away for want of a replica, for whoever scales them (the scaler under <c>up</c>).</summary>
public interface IGatewayOverload
{
    /// <summary>
    /// Raised for every proxied request answered 503 (the hold queue full or its wait over, a replica's own 503 for its
    /// queue full, or no replica to take it) and for every request that starts to wait in the hold queue (every replica
    /// at its limit). Raised on the request's thread: a handler must return at once.
    /// </summary>
    event EventHandler? Rejected;
}

/// <summary>Raises <see cref="IGatewayOverload.Rejected"/>.</summary>
internal sealed class OverloadSignal : IGatewayOverload
{
    public event EventHandler? Rejected;

    public void Raise() => Rejected?.Invoke(this, EventArgs.Empty);
}
