namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// A day's traffic: lowest at night, highest at <see cref="PeakHour"/>, as a smooth raised cosine
/// <c>min + (max − min)·(1 + cos(2π·(hour − peakHour)/24))/2</c>, so the trough falls 12 hours before the peak.
/// With a <see cref="WeekendFactor"/> other than 1, days 6 and 7 of every week (the run starts on a Monday at
/// midnight) carry that factor times the weekday traffic, blended over the hour either side of midnight so the
/// rate never jumps. <see cref="Period"/> is the length of one "day": 24 h for real time, 10 minutes to compress
/// a day into a short simulation or load test.
/// </summary>
public sealed class DiurnalRate : IRatePattern
{
    private const int DaysPerWeek = 7;
    private const double WeekendStart = 5; // Saturday 00:00, in days since Monday 00:00
    private const double BlendHalfWidth = 1.0 / 24; // one hour either side of midnight, in days

    private readonly double _periodTicks;

    /// <summary>Creates the pattern.</summary>
    /// <param name="min">Lowest rate (at night), requests per second.</param>
    /// <param name="max">Highest rate (at the peak hour on a weekday), at least <paramref name="min"/>.</param>
    /// <param name="peakHour">Hour of the day of the peak, 0 to 24 (15 is 3 pm); the trough is 12 hours away.</param>
    /// <param name="weekendFactor">Saturdays and Sundays carry this times the weekday rate; 1 (the default) means no weekly shape.</param>
    /// <param name="period">Length of one day; 24 h when null.</param>
    public DiurnalRate(double min, double max, double peakHour = 15, double weekendFactor = 1, TimeSpan? period = null)
    {
        Min = RateChecks.Rate(min, "diurnal: min rate");
        Max = RateChecks.Rate(max, "diurnal: max rate");
        if (Max < Min)
        {
            throw new InvalidWorkloadException($"diurnal: max rate {RateChecks.Show(max)} is below min rate {RateChecks.Show(min)}");
        }

        if (!double.IsFinite(peakHour) || peakHour < 0 || peakHour > 24)
        {
            throw new InvalidWorkloadException($"diurnal: peak hour {RateChecks.Show(peakHour)} must be between 0 and 24 (15 is 3 pm)");
        }

        if (!double.IsFinite(weekendFactor) || weekendFactor < 0)
        {
            throw new InvalidWorkloadException($"diurnal: weekend factor {RateChecks.Show(weekendFactor)} must be 0 or more (0.5 halves weekend traffic, 1 means none)");
        }

        PeakHour = peakHour;
        WeekendFactor = weekendFactor;
        Peak = RateChecks.Peak(Max * Math.Max(1, weekendFactor), "diurnal: max rate × weekend factor");
        Period = RateChecks.Positive(period ?? TimeSpan.FromDays(1), "diurnal: day length");
        _periodTicks = Period.Ticks;
    }

    /// <summary>Lowest rate, at night.</summary>
    public double Min { get; }

    /// <summary>Highest rate, at the peak hour of a weekday.</summary>
    public double Max { get; }

    /// <summary>Hour of the peak, 0 to 24.</summary>
    public double PeakHour { get; }

    /// <summary>Weekend traffic relative to weekdays.</summary>
    public double WeekendFactor { get; }

    /// <summary>Length of one day.</summary>
    public TimeSpan Period { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Diurnal;

    /// <inheritdoc />
    public double Peak { get; }

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed)
    {
        var days = elapsed.Ticks / _periodTicks;
        var hour = (days - Math.Floor(days)) * 24;
        var shape = 0.5 * (1 + Math.Cos(2 * Math.PI * (hour - PeakHour) / 24));
        var rate = Min + ((Max - Min) * shape);
        if (WeekendFactor != 1)
        {
            rate *= 1 + ((WeekendFactor - 1) * WeekendWeight(days));
        }

        return rate;
    }

    /// <summary>0 on weekdays, 1 on weekends, a smooth step across the hour either side of the midnights between.</summary>
    private static double WeekendWeight(double days)
    {
        var w = days - (DaysPerWeek * Math.Floor(days / DaysPerWeek)); // 0 ≤ w < 7, 0 = Monday 00:00
        const double Width = 2 * BlendHalfWidth;
        if (w < BlendHalfWidth)
        {
            return 1 - SmoothStep((w + BlendHalfWidth) / Width); // Sunday night into Monday
        }

        if (w < WeekendStart - BlendHalfWidth)
        {
            return 0;
        }

        if (w < WeekendStart + BlendHalfWidth)
        {
            return SmoothStep((w - WeekendStart + BlendHalfWidth) / Width);
        }

        return w < DaysPerWeek - BlendHalfWidth ? 1 : 1 - SmoothStep((w - DaysPerWeek + BlendHalfWidth) / Width);
    }

    private static double SmoothStep(double x) => x * x * (3 - (2 * x));
}
