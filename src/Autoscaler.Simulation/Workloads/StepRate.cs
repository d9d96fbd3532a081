using System.Globalization;
using Autoscaler.Core.Time;

namespace Autoscaler.Simulation.Workloads;

/// <summary>
/// A piecewise-constant rate: each point's rate holds from its time until the next point, the last one
/// until the end of the run. Before the first point the rate is 0.
/// </summary>
public sealed class StepRate : IRatePattern
{
    private readonly long[] _ticks;
    private readonly double[] _rates;

    /// <summary>Creates the pattern from points in strictly increasing time order.</summary>
    public StepRate(IEnumerable<RatePoint> points)
        : this(points, "step")
    {
    }

    internal StepRate(IEnumerable<RatePoint> points, string what)
    {
        ArgumentNullException.ThrowIfNull(points);
        Points = [.. points];
        Peak = Check(Points, what);
        _ticks = [.. Points.Select(p => p.At.Ticks)];
        _rates = [.. Points.Select(p => p.Rate)];
    }

    /// <summary>The points, in time order.</summary>
    public IReadOnlyList<RatePoint> Points { get; }

    /// <inheritdoc />
    public string Name => RatePatterns.Step;

    /// <inheritdoc />
    public double Peak { get; }

    /// <summary>Checks points for a step-hold pattern (some, in increasing time order, times and rates within bounds); returns the highest rate.</summary>
    internal static double Check(IReadOnlyList<RatePoint> points, string what)
    {
        if (points.Count == 0)
        {
            throw new InvalidWorkloadException($"{what}: no points; give at least one time=rate");
        }

        var peak = 0.0;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            RateChecks.NotNegative(p.At, $"{what}: time");
            peak = Math.Max(peak, RateChecks.Rate(p.Rate, $"{what}: rate at {RateChecks.Show(p.At)},"));
            if (i > 0 && p.At <= points[i - 1].At)
            {
                throw new InvalidWorkloadException(
                    $"{what}: times must increase, but {RateChecks.Show(p.At)} follows {RateChecks.Show(points[i - 1].At)}");
            }
        }

        return peak;
    }

    /// <inheritdoc />
    public double RateAt(TimeSpan elapsed) => Hold(_ticks, _rates, elapsed);

    /// <summary>
    /// Parses <c>0s=50,10s=200,20s=50</c>: comma-separated <c>time=rate</c> pairs, times as durations
    /// (<c>500ms</c>, <c>10s</c>, <c>2m</c> or plain seconds).
    /// </summary>
    public static StepRate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var points = new List<RatePoint>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Length == 0)
            {
                throw new InvalidWorkloadException($"steps: '{part}' is not time=rate, e.g. 10s=200");
            }

            if (!Durations.TryParse(pair[0], out var at))
            {
                throw new InvalidWorkloadException($"steps: '{pair[0]}' in '{part}' is not a time; use e.g. 500ms, 10s or 2m");
            }

            if (!double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
            {
                throw new InvalidWorkloadException($"steps: '{pair[1]}' in '{part}' is not a number of requests per second");
            }

            points.Add(new RatePoint(at, rate));
        }

        return new StepRate(points, "steps");
    }

    /// <summary>Step-hold lookup: the rate of the last point at or before <paramref name="elapsed"/>, 0 before the first.</summary>
    internal static double Hold(long[] ticks, double[] rates, TimeSpan elapsed)
    {
        var i = Array.BinarySearch(ticks, elapsed.Ticks);
        if (i < 0)
        {
            i = ~i - 1; // the point before the insertion position
        }

        return i < 0 ? 0 : rates[i];
    }
}
