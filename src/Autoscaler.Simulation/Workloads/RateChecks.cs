using System.Globalization;

namespace Autoscaler.Simulation.Workloads;

/// <summary>Parameter rules shared by the patterns, with messages a user can act on.</summary>
internal static class RateChecks
{
    public static double Rate(double value, string what)
    {
        if (!double.IsFinite(value))
        {
            throw new InvalidWorkloadException($"{what} {Show(value)} is not a number of requests per second");
        }

        if (value < 0)
        {
            throw new InvalidWorkloadException($"{what} {Show(value)} is negative; rates are requests per second, 0 or more");
        }

        return Peak(value, what.TrimEnd(','));
    }

    /// <summary>A pattern's highest rate, refused above <see cref="RatePatterns.MaxRate"/>.</summary>
    public static double Peak(double value, string what) =>
        value <= RatePatterns.MaxRate ? value : throw new InvalidWorkloadException($"{what} is {Show(value)}, above {RatePatterns.MaxRateText}, the highest rate the tool takes");

    public static TimeSpan NotNegative(TimeSpan value, string what) =>
        value >= TimeSpan.Zero ? Within(value, what) : throw new InvalidWorkloadException($"{what} {Show(value)} is negative");

    public static TimeSpan Positive(TimeSpan value, string what) =>
        value > TimeSpan.Zero ? Within(value, what) : throw new InvalidWorkloadException($"{what} {Show(value)} must be longer than zero");

    /// <summary>A time or length, refused past <see cref="RatePatterns.MaxDuration"/>.</summary>
    public static TimeSpan Within(TimeSpan value, string what) =>
        value <= RatePatterns.MaxDuration ? value : throw new InvalidWorkloadException($"{what} {Show(value)} is longer than {RatePatterns.MaxDurationText}, the longest the tool takes");

    /// <summary>A number for a message: plain up to a billion, in exponent form past it (1e+308 would be 309 digits).</summary>
    public static string Show(double value) =>
        value.ToString(Math.Abs(value) < 1e9 ? "0.###" : "0.###e+0", CultureInfo.InvariantCulture);

    public static string Show(TimeSpan value) => Core.Time.Durations.Format(value);
}
