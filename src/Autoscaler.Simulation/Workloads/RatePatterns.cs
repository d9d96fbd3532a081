namespace Autoscaler.Simulation.Workloads;

/// <summary>Names by which configuration and the command line pick a rate pattern, and the patterns' textual syntax.</summary>
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

    /// <summary><see cref="DiurnalRate"/>.</summary>
    public const string Diurnal = "diurnal";

    /// <summary><see cref="PoissonNoise"/>.</summary>
    public const string Poisson = "poisson";

    /// <summary><see cref="SumRate"/>.</summary>
    public const string Sum = "sum";

    /// <summary>
    /// The highest rate any pattern, trace row or load run may offer: 10 million requests per second. Far above what
    /// one machine sends or a simulated fleet of 10,000 replicas serves, and low enough that nothing sized by a rate
    /// (the oracle's replicas, the load generator's sends) can run away.
    /// </summary>
    public const double MaxRate = 10_000_000;

    /// <summary>How <see cref="MaxRate"/> reads in messages.</summary>
    public const string MaxRateText = "10,000,000 req/s (10 M)";

    /// <summary>The longest time a pattern's parameters, a trace's rows, a simulated run or a load run may span: one year.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);

    /// <summary>How <see cref="MaxDuration"/> reads in messages.</summary>
    public const string MaxDurationText = "1 year (365d)";

    /// <summary>The deepest patterns may nest inside <c>poisson</c> and <c>sum</c>; a real workload needs two or three.</summary>
    public const int MaxNesting = 16;

    /// <summary>Every name above, in the order help text lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Constant, Step, Ramp, Spike, Sine, Trace, Diurnal, Poisson, Sum];

    /// <summary>
    /// Parses the textual syntax, e.g. <c>poisson(diurnal(min=20, max=200, day=10m), seed=7) + spike(base=0, peak=300, at=2m, length=20s)</c>.
    /// See <see cref="Syntax"/>; problems come as an <see cref="InvalidWorkloadException"/> naming the pattern and parameter.
    /// </summary>
    /// <param name="text">The pattern.</param>
    /// <param name="baseDirectory">Where relative trace file paths start; the current directory when null.</param>
    public static IRatePattern Parse(string text, string? baseDirectory = null) => new RatePatternParser(text, baseDirectory).ParseAll();

    /// <summary>A summary of the textual syntax, for help text and error messages.</summary>
    public const string Syntax = """
        NAME(key=value, …) or NAME:key=value,… ; '+' adds patterns; a bare number is a constant rate.
          constant(rate=R)                 step(0s=R, 10s=R, …)             ramp(from=R, to=R, over=D)
          spike(base=R, peak=R, at=D, length=D)                             sine(mean=R, amplitude=R, period=D)
          trace(file=PATH, scale=X, rateScale=X)                            diurnal(min=R, max=R, peak=HOUR, weekend=X, day=D)
          poisson(PATTERN, seed=N, bucket=D)                                sum(PATTERN, PATTERN, …)
        R: requests per second; D: a duration (500ms, 10s, 2m, 1h); HOUR: 0 to 24 or a time of day such as 15h30m.
        A trace's scale multiplies its times (0.5 plays it twice as fast), rateScale its rates (2 doubles them).
        """;
}
