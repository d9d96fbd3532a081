using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Autoscaler.Gateway.Destinations;

/// <summary>
/// The gateway's whole YARP configuration: one catch-all route to one cluster whose destinations are
/// the live replica set. Each change publishes a new snapshot and fires the old one's change token;
/// YARP then diffs the destinations, and requests in flight keep the destination state they hold.
/// </summary>
internal sealed partial class DestinationsProxyConfig : IProxyConfigProvider, IGatewayDestinations
{
    public const string ClusterId = "replicas";
    public const string RouteId = "all";

    private readonly Lock _lock = new();
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private readonly Action<IReadOnlyCollection<string>>? _withdrawn;
    private Snapshot _snapshot;

    /// <param name="options">The gateway's options.</param>
    /// <param name="initial">The first set of replicas.</param>
    /// <param name="logger">Where changes are logged.</param>
    /// <param name="withdrawn">Told the addresses each change removes, after the new set is published.</param>
    public DestinationsProxyConfig(GatewayOptions options, IEnumerable<Uri> initial, ILogger<DestinationsProxyConfig> logger, Action<IReadOnlyCollection<string>>? withdrawn = null)
    {
        _options = options;
        _logger = logger;
        _withdrawn = withdrawn;
        _snapshot = new Snapshot(Dedupe(initial), options);
    }

    public IReadOnlyList<Uri> Current => Volatile.Read(ref _snapshot).Destinations;

    public IProxyConfig GetConfig() => Volatile.Read(ref _snapshot);

    public void Set(IEnumerable<Uri> destinations)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var next = Dedupe(destinations);
        lock (_lock)
        {
            Publish(next);
        }
    }

    public bool Add(Uri destination)
    {
        var address = DestinationAddress.Require(destination, nameof(destination));
        lock (_lock)
        {
            var current = _snapshot.Destinations;
            if (current.Any(d => d.AbsoluteUri == address.AbsoluteUri))
            {
                return false;
            }

            Publish([.. current, address]);
            return true;
        }
    }

    public bool Remove(Uri destination)
    {
        var address = DestinationAddress.Require(destination, nameof(destination));
        lock (_lock)
        {
            var current = _snapshot.Destinations;
            var next = current.Where(d => d.AbsoluteUri != address.AbsoluteUri).ToList();
            if (next.Count == current.Count)
            {
                return false;
            }

            Publish(next);
            return true;
        }
    }

    private static List<Uri> Dedupe(IEnumerable<Uri> destinations)
    {
        var result = new List<Uri>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in destinations)
        {
            var address = DestinationAddress.Require(d, nameof(destinations));
            if (seen.Add(address.AbsoluteUri))
            {
                result.Add(address);
            }
        }

        return result;
    }

    private void Publish(IReadOnlyList<Uri> next)
    {
        var old = _snapshot;
        var added = next.Where(n => !old.Destinations.Any(o => o.AbsoluteUri == n.AbsoluteUri)).ToList();
        var removed = old.Destinations.Where(o => !next.Any(n => n.AbsoluteUri == o.AbsoluteUri)).ToList();
        if (added.Count == 0 && removed.Count == 0)
        {
            return;
        }

        Volatile.Write(ref _snapshot, new Snapshot(next, _options));
        LogChanged(next.Count, string.Join(' ', added.Select(a => "+" + a).Concat(removed.Select(r => "-" + r))));
        old.SignalChange();
        if (removed.Count > 0)
        {
            _withdrawn?.Invoke([.. removed.Select(r => r.AbsoluteUri)]);
        }
    }

    [LoggerMessage(LogLevel.Information, "Destinations: {Count} now ({Changes})")]
    private partial void LogChanged(int count, string changes);

    private sealed class Snapshot : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public Snapshot(IReadOnlyList<Uri> destinations, GatewayOptions options)
        {
            Destinations = destinations;
            ChangeToken = new CancellationChangeToken(_changed.Token);
            Routes =
            [
                new RouteConfig
                {
                    RouteId = RouteId,
                    ClusterId = ClusterId,
                    // After the gateway's own endpoints (/metrics, /gateway/…), whatever their precedence.
                    Order = int.MaxValue,
                    Match = new RouteMatch { Path = "{**catch-all}" },
                },
            ];
            Clusters =
            [
                new ClusterConfig
                {
                    ClusterId = ClusterId,
                    LoadBalancingPolicy = options.LoadBalancing switch
                    {
                        GatewayLoadBalancing.LeastRequests => Balancing.LeastRequestsPolicy.PolicyName,
                        _ => options.LoadBalancing.ToString(), // YARP's policy of the same name
                    },
                    Destinations = destinations.ToDictionary(d => d.AbsoluteUri, d => new DestinationConfig { Address = d.AbsoluteUri }, StringComparer.Ordinal),
                    HealthCheck = new HealthCheckConfig
                    {
                        // When every replica is out of rotation, try them all rather than answer 503 to everything:
                        // a lone replica that restarts is back as soon as it listens, not a reactivation period later.
                        AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
                        Passive = new PassiveHealthCheckConfig
                        {
                            Enabled = true,
                            Policy = Health.FailureWindowPolicy.PolicyName,
                            ReactivationPeriod = options.ReactivationPeriod,
                        },
                        Active = string.IsNullOrEmpty(options.ProbePath) ? null : new ActiveHealthCheckConfig
                        {
                            Enabled = true,
                            Interval = options.ProbeInterval,
                            Timeout = options.ProbeTimeout,
                            Path = options.ProbePath,
                            Policy = Health.ProbePolicy.PolicyName,
                        },
                    },
                    HttpRequest = new ForwarderRequestConfig
                    {
                        ActivityTimeout = options.ActivityTimeout,
                        Version = System.Net.HttpVersion.Version11,
                        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
                    },
                },
            ];
        }

        public IReadOnlyList<Uri> Destinations { get; }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }

        public void SignalChange() => _changed.Cancel();
    }
}
