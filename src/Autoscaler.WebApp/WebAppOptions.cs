using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.ServiceModel;

namespace Autoscaler.WebApp;

/// <summary>The demo service's knobs: its queueing model and the faults it can inject.</summary>
public sealed class WebAppOptions
{
    /// <summary>Configuration section (environment: <c>WebApp__Workers=8</c>).</summary>
    public const string Section = "WebApp";

    /// <summary>Shown in every response and in the <c>X-Instance-Id</c> header; defaults to host name and process id.</summary>
    [MaxLength(200)]
    public string? InstanceId { get; set; }

    /// <summary>Requests served at the same time (W).</summary>
    [Range(1, 10_000)]
    public int Workers { get; set; } = 4;

    /// <summary>Requests that may wait for a worker (Q); one more gets 503 at once.</summary>
    [Range(0, 1_000_000)]
    public int QueueLimit { get; set; } = 100;

    /// <summary>Mean time a worker spends on one request (S).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ServiceTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Distribution of the service time around its mean.</summary>
    public ServiceTimeDistribution Distribution { get; set; } = ServiceTimeDistribution.Exponential;

    /// <summary>Time after start before the replica reports ready and serves work.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StartupDelay { get; set; }

    /// <summary>Fraction of served requests answered with 500 after their work.</summary>
    [Range(0.0, 1.0)]
    public double ErrorRate { get; set; }

    /// <summary>Multiplies every service time (slow down or speed up a replica).</summary>
    [Range(0.001, 1000.0)]
    public double LatencyMultiplier { get; set; } = 1.0;

    /// <summary>The process kills itself after serving this many requests; 0 never.</summary>
    [Range(0L, long.MaxValue)]
    public long CrashAfter { get; set; }

    /// <summary>How long a stopping replica waits for accepted requests to finish.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Seed for service times and injected errors; random when unset.</summary>
    public int? Seed { get; set; }

    /// <summary>Stop gracefully when this process is gone (set by the local target, so no replica outlives it).</summary>
    [Range(1, int.MaxValue)]
    public int? ParentProcessId { get; set; }
}
