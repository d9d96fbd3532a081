namespace Autoscaler.Core.Forecasting;

/// <summary>Periods found in a series.</summary>
public readonly record struct DetectedPeriods(TimeSpan? Primary, TimeSpan? Secondary, double PrimaryStrength, double SecondaryStrength)
{
    /// <summary>None found.</summary>
    public static DetectedPeriods None { get; } = default;

    /// <summary>True when a period was found.</summary>
    public bool Found => Primary is not null;
}

/// <summary>PLACEHOLDER until the detector lands.</summary>
public static class PeriodDetector
{
    /// <summary>Finds periods.</summary>
    public static DetectedPeriods Detect(ReadOnlySpan<double> values, TimeSpan spacing, TimeSpan minPeriod, TimeSpan maxPeriod) => DetectedPeriods.None;
}
