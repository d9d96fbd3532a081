namespace Autoscaler.Gateway.Destinations;

/// <summary>
/// The live set of replica addresses the gateway balances over. Changes apply to new requests at once;
/// requests already in flight on a removed replica finish there.
/// </summary>
public interface IGatewayDestinations
{
    /// <summary>The addresses in use now, normalized (e.g. <c>http://127.0.0.1:8001/</c>).</summary>
    IReadOnlyList<Uri> Current { get; }

    /// <summary>Replaces the whole set. Throws <see cref="ArgumentException"/>, changing nothing, if an address is not an absolute http(s) URL.</summary>
    void Set(IEnumerable<Uri> destinations);

    /// <summary>Adds one address; returns false when it was already there.</summary>
    bool Add(Uri destination);

    /// <summary>Removes one address; returns false when it was not there.</summary>
    bool Remove(Uri destination);
}
