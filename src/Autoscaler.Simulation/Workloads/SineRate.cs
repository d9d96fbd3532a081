namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// A wave around a mean: <c>mean + amplitude·sin(2π·t/period)</c>, starting at the mean and rising;
/// never below 0 (an amplitude above the mean is clipped, not mirrored).
/// </summary>
public sealed class SineRate : IRatePattern
{
    /// <summary>Creates the pattern.</summary>
    /// <param name="mean">Middle of the wave, requests per second.</param>
    /// <param name="amplitude">Height of the wave above (and below) the mean, 0 or more.</param>
    /// <param name="period">Length of one full wave.</param>
    public SineRate(double mean, double amplitude, TimeSpan period)
    {
        Mean = RateChecks.Rate(mean, "sine: mean rate");
        Amplitude = RateChecks.Rate(amplitude, "sine: amplitude");
        Period = RateChecks.Positive(period, "sine: period");
        RateChecks.Peak(Mean + Amplitude, "sine: mean + amplitude");
    }

    /// <summary>Middle of the wave.</summary>
    public double Mean { get; }

    /// <summary>Height of the wave above the mean.</summary>
    public double Amplitude { get; }

    /// <summary>Length of one full wave.</summary>
    public TimeSpan Period { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Sine;

    /// <inheritdoc />
    public double Peak => Mean + Amplitude;

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed) =>
        Math.Max(0, Mean + (Amplitude * Math.Sin(2 * Math.PI * (elapsed / Period))));
}
