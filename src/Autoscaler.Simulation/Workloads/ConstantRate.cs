namespace Autoscaler.Simulation.Workloads;

/// <summary>The same rate for the whole run.</summary>
public sealed class ConstantRate : IRatePattern
{
    /// <summary>Creates the pattern.</summary>
    /// <param name="rate">Requests per second, 0 or more.</param>
    public ConstantRate(double rate) => Rate = RateChecks.Rate(rate, "rate");

    /// <summary>Requests per second.</summary>
    public double Rate { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Constant;

    /// <inheritdoc />
    public double Peak => Rate;

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed) => Rate;
}
