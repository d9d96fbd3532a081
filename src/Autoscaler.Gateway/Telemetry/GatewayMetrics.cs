using System.Globalization;
using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Destinations;
using Prometheus;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Telemetry;

/// <summary>The gateway's own metrics, in a registry of their own (not prometheus-net's static default).</summary>
internal sealed class GatewayMetrics
{
    private readonly Counter _requests;
    private readonly Counter _received;
    private readonly Counter.Child?[] _byCode = new Counter.Child?[600];
    private readonly Counter.Child[] _errors;
    private readonly Counter _retries;
    private readonly Counter _held;
    private readonly Counter.Child[] _holdEnded;
    private readonly Gauge _holding;
    private readonly Counter _ejections;
    private readonly Lazy<IProxyStateLookup> _proxyState;
    private readonly Gauge _inflight;
    private readonly Gauge.Child[] _byHealth;
    private readonly HashSet<string> _inflightLabels = new(StringComparer.Ordinal);

    /// <param name="proxyState">
    /// YARP's state, asked for when first needed: YARP's health monitor is built with our health policies, which
    /// count into these metrics, so taking the state at construction would make a cycle.
    /// </param>
    public GatewayMetrics(Func<IProxyStateLookup> proxyState)
    {
        _proxyState = new Lazy<IProxyStateLookup>(proxyState);
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry); // process_* and dotnet_*, as on every /metrics of the tool
        var factory = Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter("gateway_requests_total", "Requests proxied by the gateway, by the status code returned to the client.", "code");
        _received = factory.CreateCounter("gateway_requests_received_total", "Requests that reached the gateway, counted as they arrive: those waiting in the hold queue or still in flight included (the demand, where gateway_requests_total counts them once answered).");
        var errors = factory.CreateCounter("gateway_request_errors_total", "Failed attempts to forward a request, by kind (connect, request, timeout, no_destination, response, client, other).", "kind");
        _errors = [.. ProxyErrors.All.Select(k => errors.WithLabels(ProxyErrors.Label(k)))];
        _retries = factory.CreateCounter("gateway_retries_total", "Requests sent to a second replica after the first could not connect, timed out or left rotation while they waited.");
        _held = factory.CreateCounter("gateway_held_requests_total", "Requests that waited in the gateway's hold queue because every replica had its limit in flight.");
        var ended = factory.CreateCounter(
            "gateway_hold_outcomes_total",
            "Requests that ended at the gateway's hold by outcome (released: sent to a replica after waiting; timeout: 503 after the hold timeout; dropped: 503 at once, the hold queue full; abandoned: the client left while held).",
            "outcome");
        _holdEnded = [ended.WithLabels("released"), ended.WithLabels("timeout"), ended.WithLabels("dropped"), ended.WithLabels("abandoned")];
        _holding = factory.CreateGauge("gateway_held_requests", "Requests waiting in the gateway's hold queue now.");
        _ejections = factory.CreateCounter(
            "gateway_destination_ejections_total",
            "Times a replica was taken out of rotation, by replica and reason (probe: failed readiness probe; connect: refused or timed-out connection; failures: too many failed requests in the window).",
            "destination",
            "reason");
        _inflight = factory.CreateGauge("gateway_destination_inflight", "Requests in flight to each replica.", "destination");
        var destinations = factory.CreateGauge("gateway_destinations", "Replicas the gateway balances over, by passive health (healthy, unhealthy, unknown).", "health");
        _byHealth = [destinations.WithLabels("healthy"), destinations.WithLabels("unhealthy"), destinations.WithLabels("unknown")];
        Registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>A request reached the gateway (before admission, the hold or forwarding).</summary>
    public void Received() => _received.Inc();

    public void Completed(int statusCode)
    {
        if ((uint)statusCode >= (uint)_byCode.Length)
        {
            _requests.WithLabels(statusCode.ToString(CultureInfo.InvariantCulture)).Inc();
            return;
        }

        var child = _byCode[statusCode] ??= _requests.WithLabels(statusCode.ToString(CultureInfo.InvariantCulture));
        child.Inc();
    }

    public void Error(ProxyErrorKind kind) => _errors[(int)kind].Inc();

    public void Retry() => _retries.Inc();

    /// <summary>A request started to wait in the hold queue.</summary>
    public void Holding()
    {
        _held.Inc();
        _holding.Inc();
    }

    /// <summary>What the gate did with a request: nothing to count when it was admitted at once.</summary>
    public void Hold(Admission.HoldOutcome outcome)
    {
        var index = outcome switch
        {
            Admission.HoldOutcome.Released => 0,
            Admission.HoldOutcome.TimedOut => 1,
            Admission.HoldOutcome.Dropped => 2,
            Admission.HoldOutcome.Abandoned => 3,
            _ => -1,
        };
        if (index < 0)
        {
            return;
        }

        _holdEnded[index].Inc();
        if (outcome != Admission.HoldOutcome.Dropped)
        {
            _holding.Dec();
        }
    }

    public void Ejected(string destination, EjectionReason reason) =>
        _ejections.WithLabels(destination, reason switch
        {
            EjectionReason.Probe => "probe",
            EjectionReason.Connect => "connect",
            _ => "failures",
        }).Inc();

    /// <summary>The replicas of the cluster as YARP sees them now.</summary>
    public IReadOnlyList<DestinationState> Destinations() =>
        _proxyState.Value.TryGetCluster(DestinationsProxyConfig.ClusterId, out var cluster)
            ? [.. cluster.Destinations.Values]
            : [];

    public static string Health(DestinationState destination) =>
        destination.Health.Passive == DestinationHealth.Unhealthy || destination.Health.Active == DestinationHealth.Unhealthy ? "unhealthy"
        : destination.Health.Passive == DestinationHealth.Healthy || destination.Health.Active == DestinationHealth.Healthy ? "healthy"
        : "unknown";

    private void Refresh()
    {
        var current = Destinations();
        int healthy = 0, unhealthy = 0, unknown = 0;
        lock (_inflightLabels)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in current)
            {
                var address = d.Model.Config.Address;
                present.Add(address);
                _inflightLabels.Add(address);
                _inflight.WithLabels(address).Set(d.ConcurrentRequestCount);
                switch (Health(d))
                {
                    case "healthy": healthy++; break;
                    case "unhealthy": unhealthy++; break;
                    default: unknown++; break;
                }
            }

            // A removed replica's series ends instead of freezing at its last value.
            foreach (var gone in _inflightLabels.Where(l => !present.Contains(l)).ToList())
            {
                _inflight.RemoveLabelled(gone);
                _inflightLabels.Remove(gone);
            }
        }

        _byHealth[0].Set(healthy);
        _byHealth[1].Set(unhealthy);
        _byHealth[2].Set(unknown);
    }
}
