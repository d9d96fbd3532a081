namespace Autoscaler.Simulation.Workloads;

/// <summary>A base rate with one burst: the peak rate from <see cref="At"/> for <see cref="Length"/>.</summary>
public sealed class SpikeRate : IRatePattern
{
    /// <summary>Creates the pattern.</summary>
    /// <param name="baseRate">Rate outside the spike, requests per second.</param>
    /// <param name="peakRate">Rate during the spike.</param>
    /// <param name="at">When the spike starts.</param>
    /// <param name="length">How long the spike lasts.</param>
    public SpikeRate(double baseRate, double peakRate, TimeSpan at, TimeSpan length)
    {
        BaseRate = RateChecks.Rate(baseRate, "spike: base rate");
        PeakRate = RateChecks.Rate(peakRate, "spike: peak rate");
        At = RateChecks.NotNegative(at, "spike: start");
        Length = RateChecks.Positive(length, "spike: length");
    }

    /// <summary>Rate outside the spike.</summary>
    public double BaseRate { get; }

    /// <summary>Rate during the spike.</summary>
    public double PeakRate { get; }

    /// <summary>Start of the spike.</summary>
    public TimeSpan At { get; }

    /// <summary>Length of the spike.</summary>
    public TimeSpan Length { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Spike;

    /// <inheritdoc />
    public double Peak => Math.Max(BaseRate, PeakRate);

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed) => elapsed >= At && elapsed < At + Length ? PeakRate : BaseRate;
}
