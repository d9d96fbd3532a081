using System.Runtime.CompilerServices;
using Autoscaler.Gateway.Telemetry;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Health;

/// <summary>Why a replica was taken out of rotation: the <c>reason</c> label of <c>gateway_destination_ejections_total</c>.</summary>
internal enum EjectionReason
{
    /// <summary>It failed its readiness probe (active health).</summary>
    Probe,

    /// <summary>It refused a connection or did not accept one in time (passive health).</summary>
    Connect,

    /// <summary>Too many of its requests failed within the window: timeouts, transport errors, 5xx other than 503 (passive health).</summary>
    Failures,
}

/// <summary>
/// What happens when a replica leaves rotation, whichever check saw it: counted per replica, logged once, and the
/// GET and HEAD requests waiting on it are cancelled so the retry step sends them to another replica instead of
/// leaving them to hang with a stopped process. Each replica has a cancellation token that such requests are
/// forwarded with; an ejection cancels it and puts a fresh one in its place for the requests that come after.
/// </summary>
internal sealed partial class DestinationEjections(GatewayMetrics metrics, ILogger<DestinationEjections> logger) : IGatewayHealth
{
    private readonly ConditionalWeakTable<DestinationState, Holder> _holders = new();

    public event EventHandler<DestinationHealthChangedEventArgs>? ProbeHealthChanged;

    /// <summary>The token that an ejection of <paramref name="destination"/> cancels.</summary>
    public CancellationToken TokenFor(DestinationState destination) =>
        _holders.GetValue(destination, static _ => new Holder()).Token;

    public void Eject(ClusterState cluster, DestinationState destination, EjectionReason reason, string detail)
    {
        var address = destination.Model.Config.Address;
        metrics.Ejected(address, reason);
        LogEjected(address, reason, detail);

        // Only when another replica can take them: with every replica out, the gateway sends to all of them anyway
        // (HealthyOrPanic), and cancelling would just throw away work that may still finish.
        if (AnyOtherInRotation(cluster, destination) && _holders.TryGetValue(destination, out var holder))
        {
            holder.Cancel();
        }

        if (reason == EjectionReason.Probe)
        {
            ProbeHealthChanged?.Invoke(this, new DestinationHealthChangedEventArgs(new Uri(address), false, detail));
        }
    }

    /// <summary>
    /// Replicas removed from the set. One that was failing its readiness probe is about to be killed, not drained
    /// (the local target kills a replica that stayed unready): the GETs and HEADs that still wait on it, sent there
    /// while every replica was out of rotation, go to another replica now rather than fail when it dies. A healthy
    /// replica that is removed finishes what it has.
    /// </summary>
    public void Withdrawn(IReadOnlyCollection<string> addresses)
    {
        foreach (var (destination, holder) in _holders)
        {
            if (destination.Health.Active == DestinationHealth.Unhealthy && addresses.Contains(destination.Model.Config.Address))
            {
                holder.Cancel();
            }
        }
    }

    /// <summary>A replica passed its readiness probe again.</summary>
    public void Restored(DestinationState destination)
    {
        var address = destination.Model.Config.Address;
        LogRestored(address);
        ProbeHealthChanged?.Invoke(this, new DestinationHealthChangedEventArgs(new Uri(address), true, "readiness probe passed"));
    }

    private static bool AnyOtherInRotation(ClusterState cluster, DestinationState destination)
    {
        foreach (var other in cluster.DestinationsState.AllDestinations)
        {
            if (other != destination && other.Health.Active != DestinationHealth.Unhealthy && other.Health.Passive != DestinationHealth.Unhealthy)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(LogLevel.Warning, "Destination {Destination} out of rotation ({Reason}): {Detail}")]
    private partial void LogEjected(string destination, EjectionReason reason, string detail);

    [LoggerMessage(LogLevel.Information, "Destination {Destination} back in rotation: readiness probe passed")]
    private partial void LogRestored(string destination);

    private sealed class Holder
    {
        private CancellationTokenSource _source = new();

        public CancellationToken Token => Volatile.Read(ref _source).Token;

        public void Cancel()
        {
            // Not disposed: a request may still be registering on the old token, which must then see it cancelled.
            var old = Interlocked.Exchange(ref _source, new CancellationTokenSource());
            _ = old.CancelAsync(); // callbacks on the thread pool, not on the health check's thread
        }
    }
}
