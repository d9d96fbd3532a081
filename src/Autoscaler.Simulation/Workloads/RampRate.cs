namespace Autoscaler.Simulation.Workloads;

/// <summary>A straight line from one rate to another over a time; the end rate holds after it.</summary>
public sealed class RampRate : IRatePattern
{
    /// <summary>Creates the pattern.</summary>
    /// <param name="from">Rate at the start, requests per second.</param>
    /// <param name="to">Rate at the end of <paramref name="over"/> and after it.</param>
    /// <param name="over">Length of the ramp; zero jumps to <paramref name="to"/> at once.</param>
    public RampRate(double from, double to, TimeSpan over)
    {
        From = RateChecks.Rate(from, "ramp: start rate");
        To = RateChecks.Rate(to, "ramp: end rate");
        Over = RateChecks.NotNegative(over, "ramp: length");
    }

    /// <summary>Rate at the start.</summary>
    public double From { get; }

    /// <summary>Rate at the end of the ramp.</summary>
    public double To { get; }

    /// <summary>Length of the ramp.</summary>
    public TimeSpan Over { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Ramp;

    /// <inheritdoc />
    public double Peak => Math.Max(From, To);

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return Over == TimeSpan.Zero ? To : From;
        }

        if (elapsed >= Over)
        {
            return To;
        }

        return From + ((To - From) * (elapsed / Over));
    }
}
