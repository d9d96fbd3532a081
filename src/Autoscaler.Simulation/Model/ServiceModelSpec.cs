using Autoscaler.Core.ServiceModel;

namespace Autoscaler.Simulation.Model;

/// <summary>
/// The simulated service: each replica has <see cref="Workers"/> workers and room for <see cref="QueueLimit"/>
/// waiting requests, as the demo service (DESIGN.md); defaults are the demo service's.
/// </summary>
public sealed record ServiceModelSpec
{
    /// <summary>The longest service time, start-up delay and drain time: an hour, as the demo service takes them.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

    /// <summary>The most workers per replica.</summary>
    public const int MaxWorkers = 1000;

    /// <summary>The longest queue per replica.</summary>
    public const int MaxQueueLimit = 10_000;

    /// <summary>Workers per replica (W): requests served at the same time.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Mean service time of one request (S).</summary>
    public TimeSpan ServiceTime { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The service-time distribution.</summary>
    public ServiceTimeDistribution Distribution { get; init; } = ServiceTimeDistribution.Exponential;

    /// <summary>Most requests waiting per replica (Q); an arrival that finds them all taken is rejected.</summary>
    public int QueueLimit { get; init; } = 100;

    /// <summary>Time from starting a replica to its first request.</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a removed replica may take to finish its queue; what is left then is dropped.</summary>
    public TimeSpan DrainTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second one replica completes when saturated: W/S.</summary>
    public double CapacityPerReplica => Workers / ServiceTime.TotalSeconds;
}
