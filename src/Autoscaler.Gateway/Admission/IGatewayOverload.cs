namespace Autoscaler.Gateway.Admission;

/// <summary>When the gateway turns a request away for want of a replica, for whoever scales them (the scaler under <c>up</c>).</summary>
public interface IGatewayOverload
{
    /// <summary>
    /// Raised for every proxied request answered 503: every replica in rotation full, a replica's own 503 (its queue
    /// full), or no replica to take it. Raised on the request's thread: a handler must return at once.
    /// </summary>
    event EventHandler? Rejected;
}

/// <summary>Raises <see cref="IGatewayOverload.Rejected"/>.</summary>
internal sealed class OverloadSignal : IGatewayOverload
{
    public event EventHandler? Rejected;

    public void Raise() => Rejected?.Invoke(this, EventArgs.Empty);
}
