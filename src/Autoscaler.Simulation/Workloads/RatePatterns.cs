namespace Autoscaler.Simulation.Workloads;

/// <summary>Names by which configuration and the command line pick a rate pattern.</summary>
public static class RatePatterns
{
    /// <summary><see cref="ConstantRate"/>.</summary>
    public const string Constant = "constant";

    /// <summary><see cref="StepRate"/>.</summary>
    public const string Step = "step";

    /// <summary><see cref="RampRate"/>.</summary>
    public const string Ramp = "ramp";

    /// <summary><see cref="SpikeRate"/>.</summary>
    public const string Spike = "spike";

    /// <summary><see cref="SineRate"/>.</summary>
    public const string Sine = "sine";

    /// <summary><see cref="TraceRate"/>.</summary>
    public const string Trace = "trace";

    /// <summary>Every name above, in the order help text lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Constant, Step, Ramp, Spike, Sine, Trace];
}
