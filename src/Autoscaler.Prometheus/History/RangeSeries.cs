using System.Globalization;
using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.History;

/// <summary>A <c>query_range</c> that must yield one series, or nothing to use; and why.</summary>
/// <param name="Points">The series' points in time order, values not finite left out; empty when there is no data or a problem.</param>
/// <param name="Problem">Why there are no points, for the user; null on success (including no data).</param>
/// <param name="IsUsageError">True when the problem is the query or the range, not the server (exit code 2 for a command).</param>
public sealed record RangeSeriesResult(
    IReadOnlyList<PrometheusPoint> Points,
    string? Problem,
    bool IsUsageError);

/// <summary>
/// Fetches one series over a time range, in as many <c>query_range</c> calls as Prometheus's limit of 11,000 points
/// per series requires, and refuses a query that yields several series (suggesting <c>sum(…)</c>).
/// </summary>
public static class RangeSeries
{
    /// <summary>Prometheus refuses a range query above 11,000 points per series; each call stays below.</summary>
    public const int MaxPointsPerCall = 10_000;

    /// <summary>Fetches <paramref name="query"/> from <paramref name="start"/> to <paramref name="end"/> every <paramref name="step"/>.</summary>
    public static async Task<RangeSeriesResult> FetchAsync(
        PrometheusClient client, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrWhiteSpace(query))
        {
            return Usage("the query is empty");
        }

        if (step <= TimeSpan.Zero)
        {
            return Usage($"the step {Durations.Format(step)} must be longer than 0s");
        }

        if (end <= start)
        {
            return Usage($"the end {Show(end)} must come after the start {Show(start)}");
        }

        var points = new List<PrometheusPoint>();
        string? labelText = null;
        var chunk = step * (MaxPointsPerCall - 1);
        for (var from = start; from <= end; from += chunk + step)
        {
            var to = end - from < chunk ? end : from + chunk;
            var result = await client.QueryRangeAsync(query, from, to, step, cancellationToken).ConfigureAwait(false);
            if (result.Error is { } error)
            {
                return new RangeSeriesResult([], error.Message, error.Kind == PrometheusErrorKind.QueryError);
            }

            var series = result.Value!;
            if (series.Count > 1)
            {
                return TooMany(query, series.Count, series.Take(3).Select(s => PrometheusClient.FormatLabels(s.Labels)));
            }

            if (series.Count == 0)
            {
                continue;
            }

            var text = PrometheusClient.FormatLabels(series[0].Labels);
            if (labelText is null)
            {
                labelText = text;
            }
            else if (text != labelText)
            {
                return TooMany(query, 2, [labelText, text]);
            }

            foreach (var point in series[0].Points)
            {
                if (double.IsFinite(point.Value) && (points.Count == 0 || point.Timestamp > points[^1].Timestamp))
                {
                    points.Add(point);
                }
            }
        }

        return new RangeSeriesResult(points, null, false);
    }

    private static RangeSeriesResult Usage(string problem) => new([], problem, true);

    private static RangeSeriesResult TooMany(string query, int count, IEnumerable<string> shown) => Usage(
        $"the query returned {count} series ({string.Join(", ", shown)}{(count > 3 ? ", …" : "")}) where one is needed; "
        + $"wrap it in sum(...) to add them up, e.g. sum({query})");

    internal static string Show(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
