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

        return value;
    }

    public static TimeSpan NotNegative(TimeSpan value, string what) =>
        value >= TimeSpan.Zero ? value : throw new InvalidWorkloadException($"{what} {Show(value)} is negative");

    public static TimeSpan Positive(TimeSpan value, string what) =>
        value > TimeSpan.Zero ? value : throw new InvalidWorkloadException($"{what} {Show(value)} must be longer than zero");

    public static string Show(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Show(TimeSpan value) => Core.Time.Durations.Format(value);
}
