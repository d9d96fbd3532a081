using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Load;

/// <summary>Everything a run needs, already validated.</summary>
internal sealed record LoadSettings(
    Uri Url,
    IRatePattern Pattern,
    string PatternDescription,
    TimeSpan Duration,
    long? MaxRequests,
    TimeSpan Timeout,
    int MaxInflight)
{
    public const int DefaultMaxInflight = 10_000;

    /// <summary>The most requests --max-inflight may allow at once: each holds a socket and a task.</summary>
    public const int MostInflight = 1_000_000;

    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
}
