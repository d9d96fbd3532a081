using System.Net.Http;
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
/// GET and HEAD requests waiting on it for an answer are cancelled so the retry step sends them to another replica
/// instead of leaving them to hang with a stopped process. Each replica has a cancellation token that such requests
/// wait for their response headers with (<see cref="InvokerFor"/>); an ejection cancels it and puts a fresh one in
/// its place for the requests that come after. A response that has begun is never cut: the replica is answering it.
/// </summary>
internal sealed partial class DestinationEjections(GatewayMetrics metrics, ILogger<DestinationEjections> logger) : IGatewayHealth
{
    private readonly ConditionalWeakTable<DestinationState, Holder> _holders = new();

    public event EventHandler<DestinationHealthChangedEventArgs>? ProbeHealthChanged;

    /// <summary>
    /// <paramref name="client"/> as a request to <paramref name="destination"/> should use it: waiting for the response
    /// headers ends with <see cref="ReplicaEjectedException"/> when the replica is ejected meanwhile. One per replica.
    /// </summary>
    public HttpMessageInvoker InvokerFor(DestinationState destination, HttpMessageInvoker client) =>
        _holders.GetValue(destination, static _ => new Holder()).InvokerFor(client);

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

    /// <summary>A replica that has never passed a probe is not in rotation yet (it may be starting); said quietly.</summary>
    public void NotYetReady(DestinationState destination, string detail) => LogNotYetReady(destination.Model.Config.Address, detail);

    [LoggerMessage(LogLevel.Warning, "Destination {Destination} out of rotation ({Reason}): {Detail}")]
    private partial void LogEjected(string destination, EjectionReason reason, string detail);

    [LoggerMessage(LogLevel.Debug, "Destination {Destination} not in rotation yet: {Detail}")]
    private partial void LogNotYetReady(string destination, string detail);

    [LoggerMessage(LogLevel.Information, "Destination {Destination} back in rotation: readiness probe passed")]
    private partial void LogRestored(string destination);

    private sealed class Holder
    {
        private CancellationTokenSource _source = new();
        private EjectableInvoker? _invoker;

        public CancellationToken Token => Volatile.Read(ref _source).Token;

        public HttpMessageInvoker InvokerFor(HttpMessageInvoker client)
        {
            var invoker = Volatile.Read(ref _invoker);
            if (invoker is null || invoker.Inner != client)
            {
                // The cluster's client changes only when its HTTP settings do.
                invoker = new EjectableInvoker(client, () => Token);
                Volatile.Write(ref _invoker, invoker);
            }

            return invoker;
        }

        public void Cancel()
        {
            // Not disposed: a request may still be registering on the old token, which must then see it cancelled.
            var old = Interlocked.Exchange(ref _source, new CancellationTokenSource());
            _ = old.CancelAsync(); // callbacks on the thread pool, not on the health check's thread
        }
    }
}

/// <summary>The replica was taken out of rotation while the request waited for its answer; the request never got one.</summary>
internal sealed class ReplicaEjectedException(CancellationToken token)
    : OperationCanceledException("the replica was taken out of rotation while the request waited for its answer", token);

/// <summary>
/// Sends through the cluster's client, but gives up waiting for the response headers when the replica is ejected. The
/// linked token lives only until the headers arrive; the body is read with YARP's own token.
/// </summary>
internal sealed class EjectableInvoker : HttpMessageInvoker
{
    private readonly Func<CancellationToken> _ejection;

    public EjectableInvoker(HttpMessageInvoker inner, Func<CancellationToken> ejection)
        : base(NoHandler.Instance, disposeHandler: false)
    {
        Inner = inner;
        _ejection = ejection;
    }

    public HttpMessageInvoker Inner { get; }

    public override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var ejection = _ejection();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ejection);
        try
        {
            return await Inner.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ejection.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ReplicaEjectedException(ejection);
        }
    }

    private sealed class NoHandler : HttpMessageHandler
    {
        public static readonly NoHandler Instance = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
