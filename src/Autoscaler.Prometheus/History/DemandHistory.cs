using Autoscaler.Core.Time;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.History;

/// <summary>One point of a demand series: seconds since the range's start, and the demand then (e.g. requests per second).</summary>
public readonly record struct DemandPoint(double Seconds, double Value);

/// <summary>A demand series read from Prometheus, step-hold between points, for replaying real history in the simulator.</summary>
/// <param name="Query">The PromQL that was read.</param>
/// <param name="Start">Start of the range; <see cref="DemandPoint.Seconds"/> counts from here.</param>
/// <param name="End">End of the range.</param>
/// <param name="Step">Resolution of the range query.</param>
/// <param name="Points">The points in time order; steps without a finite value are left out (the previous value holds).</param>
public sealed record DemandHistory(string Query, DateTimeOffset Start, DateTimeOffset End, TimeSpan Step, IReadOnlyList<DemandPoint> Points)
{
    /// <summary>
    /// Reads the demand from <paramref name="start"/> to <paramref name="end"/> every <paramref name="step"/> with
    /// <c>query_range</c> (in several calls when the range holds more than <see cref="RangeSeries.MaxPointsPerCall"/> steps).
    /// The query must yield one series of a demand that does not depend on how many replicas ran (a request rate,
    /// not a per-replica latency).
    /// </summary>
    /// <exception cref="DemandHistoryException">
    /// The range or the query is unusable (several series: the message suggests <c>sum(...)</c>; no data; a negative
    /// value; a PromQL error), or Prometheus could not be asked; <see cref="DemandHistoryException.IsUsageError"/> tells which.
    /// </exception>
    public static async Task<DemandHistory> FetchAsync(
        PrometheusClient client, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        // Prometheus reads times to the millisecond: count seconds from the start it was sent, so none comes out negative.
        start = DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds());
        end = DateTimeOffset.FromUnixTimeMilliseconds(end.ToUnixTimeMilliseconds());
        var result = await RangeSeries.FetchAsync(client, query, start, end, step, cancellationToken).ConfigureAwait(false);
        if (result.Problem is { } problem)
        {
            throw new DemandHistoryException(problem, result.IsUsageError);
        }

        if (result.Points.Count == 0)
        {
            throw new DemandHistoryException(
                $"the query returned no data from {RangeSeries.Show(start)} to {RangeSeries.Show(end)}: {query}; check the metric name and that Prometheus still holds that range",
                isUsageError: true);
        }

        var points = new DemandPoint[result.Points.Count];
        for (var i = 0; i < points.Length; i++)
        {
            var p = result.Points[i];
            if (p.Value < 0)
            {
                throw new DemandHistoryException(
                    $"the query returned {p.Value} at {RangeSeries.Show(p.Timestamp)}, but a demand cannot be negative: {query}", isUsageError: true);
            }

            points[i] = new DemandPoint(Math.Max(0, (p.Timestamp - start).TotalSeconds), p.Value);
        }

        return new DemandHistory(query, start, end, step, points);
    }

    /// <summary>The points as (seconds, rate) pairs, e.g. for <c>TraceRate.FromSeconds</c>.</summary>
    public IEnumerable<(double Seconds, double Rate)> AsTrace() => Points.Select(p => (p.Seconds, p.Value));

    /// <inheritdoc />
    public override string ToString() =>
        $"{Points.Count} points of {Query} from {RangeSeries.Show(Start)} to {RangeSeries.Show(End)} every {Durations.Format(Step)}";
}

/// <summary>Demand history could not be read; the message says why and what to do.</summary>
public sealed class DemandHistoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, for the user.</param>
    /// <param name="isUsageError">True when the query or range is at fault (exit code 2), false when the server is.</param>
    public DemandHistoryException(string message, bool isUsageError)
        : base(message)
    {
        IsUsageError = isUsageError;
    }

    /// <summary>Creates the exception with a message meant for the user.</summary>
    public DemandHistoryException(string message)
        : this(message, isUsageError: true)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    public DemandHistoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public DemandHistoryException()
        : this("demand history could not be read")
    {
    }

    /// <summary>True when the query or the range is at fault, false when Prometheus could not be asked.</summary>
    public bool IsUsageError { get; }
}
