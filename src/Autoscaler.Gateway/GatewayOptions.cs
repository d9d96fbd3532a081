using System.ComponentModel.DataAnnotations;

namespace Autoscaler.Gateway;

/// <summary>How the gateway picks a replica for each request (YARP's load-balancing policy of the same name).</summary>
public enum GatewayLoadBalancing
{
    /// <summary>The replica with the fewest requests in flight (ties at random), so a slow replica gets less traffic.</summary>
    LeastRequests,

    /// <summary>The less busy of two replicas drawn at random.</summary>
    PowerOfTwoChoices,

    /// <summary>Each replica in turn, whatever its load.</summary>
    RoundRobin,
}

/// <summary>Options of the load balancer in front of the replicas.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section (environment: <c>Gateway__DestinationsFile=…</c>).</summary>
    public const string Section = "Gateway";

    /// <summary>
    /// JSON file with the replica addresses, watched for changes: an array of URLs
    /// (<c>["http://127.0.0.1:8001"]</c>) or Prometheus <c>file_sd</c> target groups
    /// (<c>[{"targets":["127.0.0.1:8001"]}]</c>). It must exist when the gateway starts.
    /// </summary>
    public string? DestinationsFile { get; set; }

    /// <summary>
    /// A DNS name and the replicas' port, <c>webapp:8000</c>: every IPv4 address (A record) of the name is a replica,
    /// re-resolved every <see cref="DnsRefreshInterval"/>. This is how Docker Compose publishes a scaled service.
    /// Not together with <see cref="DestinationsFile"/>.
    /// </summary>
    public string? DestinationsDns { get; set; }

    /// <summary>How often the name of <see cref="DestinationsDns"/> is resolved again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DnsRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Replica addresses that are always balanced over, in addition to those of the file or DNS name.</summary>
    public List<string> Destinations { get; set; } = [];

    /// <summary>How a replica is picked for each request.</summary>
    public GatewayLoadBalancing LoadBalancing { get; set; } = GatewayLoadBalancing.LeastRequests;

    /// <summary>How long a replica that refused a connection stays out of rotation before it is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether a GET or HEAD whose connection was refused is sent once more, to another replica.</summary>
    public bool RetryConnectFailures { get; set; } = true;

    /// <summary>How long a request may go without any progress (no response headers, no body data) before it fails with 504.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How long opening a connection to a replica may take before it counts as a connect failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Quiet time after a change notification before the destinations file is read (writers may fire several events).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FileDebounce { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The destinations file is also re-read this often, in case a change notification is missed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FilePollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
