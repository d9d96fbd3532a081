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

    /// <summary>
    /// How long a replica that passive health took out of rotation (a refused connection, too many failed requests)
    /// stays out before it is tried again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ReactivationPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether a GET or HEAD whose connection was refused is sent once more, to another replica.</summary>
    public bool RetryConnectFailures { get; set; } = true;

    /// <summary>
    /// Whether a GET or HEAD that timed out, or that was waiting on a replica when it left rotation, is sent once more,
    /// to another replica. Such a request is cancelled at once when its replica is taken out, instead of hanging on it.
    /// </summary>
    public bool RetryTimeouts { get; set; } = true;

    /// <summary>
    /// Requests in flight to one replica beyond which it takes no more: when every replica in rotation has this many,
    /// further requests wait in the gateway's hold (<see cref="HoldLimit"/>, <see cref="HoldTimeout"/>) or are answered
    /// 503 with <c>Retry-After: 1</c>, so its memory and its own endpoints stay in bounds under overload. At most what a
    /// replica holds itself (the demo service: workers + queue, 104), or the replica answers 503 itself to what the
    /// gateway would have held; <c>autoscaler up</c> sets it to its replicas' workers + queue.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInflightPerReplica { get; set; } = 256;

    /// <summary>
    /// Requests that may wait in the gateway, first in first out, when every replica has
    /// <see cref="MaxInflightPerReplica"/> in flight: each goes to the first slot that frees (a request finishes, a
    /// replica enters rotation), and more than this are answered 503 at once. 0 turns the hold off. Bounded so that
    /// lasting overload costs a fixed amount of memory: a held request is one open connection and its buffers.
    /// </summary>
    [Range(0, 100_000)]
    public int HoldLimit { get; set; } = 1000;

    /// <summary>Longest a request waits in the hold before it is answered 503 with <c>Retry-After: 1</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan HoldTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Path of every replica's readiness check, probed every <see cref="ProbeInterval"/> (active health); empty turns probing off.</summary>
    public string ProbePath { get; set; } = "/readyz";

    /// <summary>Time between two rounds of readiness probes (each round waits for its slowest probe).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A readiness probe not answered within this time has failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Failed readiness probes in a row that take a replica out of rotation; one that passes brings it back. One is
    /// enough by default: a replica that cannot answer its readiness path within a whole second is not serving either,
    /// and the requests waiting on it are sent elsewhere rather than lost. (With 500 ms, two replicas of a stack on a
    /// 2-core machine at load 9 failed the same round and were taken out for nothing.)
    /// </summary>
    [Range(1, 100)]
    public int ProbeFailures { get; set; } = 1;

    /// <summary>The window over which passive health counts a replica's failed requests.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed requests (timeouts, transport errors, 5xx other than 503) within the window before a replica can be taken out.</summary>
    [Range(1, 1_000_000)]
    public int FailureMinimum { get; set; } = 5;

    /// <summary>Share of a replica's requests within the window that must have failed (with at least <see cref="FailureMinimum"/>) to take it out.</summary>
    [Range(0.0, 1.0)]
    public double FailureRate { get; set; } = 0.5;

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
