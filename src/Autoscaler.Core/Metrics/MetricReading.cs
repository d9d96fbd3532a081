namespace Autoscaler.Core.Metrics;

/// <summary>Why a metric has no usable value this time.</summary>
public enum MetricFailureKind
{
    /// <summary>The query ran and returned no series (empty vector).</summary>
    NoData,

    /// <summary>The value was NaN or infinite.</summary>
    NotFinite,

    /// <summary>More series than the one expected.</summary>
    TooManySeries,

    /// <summary>The metrics backend rejected the query (e.g. a PromQL syntax error).</summary>
    QueryError,

    /// <summary>The backend answered with an HTTP error status.</summary>
    HttpError,

    /// <summary>The backend could not be reached (connection refused, DNS, TLS).</summary>
    Unreachable,

    /// <summary>The backend did not answer within the timeout.</summary>
    Timeout,
}

/// <summary>One reading of one metric: a finite value, or the reason there is none.</summary>
/// <param name="Metric">Name of the metric source that was read.</param>
/// <param name="Value">The value; null when the reading failed.</param>
/// <param name="Failure">Why there is no value; null when the reading succeeded.</param>
/// <param name="Message">What the backend said, for logs and the decision record.</param>
public readonly record struct MetricReading(string Metric, double? Value, MetricFailureKind? Failure, string? Message)
{
    /// <summary>True when <see cref="Value"/> holds a finite number.</summary>
    public bool Succeeded => Value is not null;

    /// <summary>
    /// True when the reading failed because the metrics backend itself was out (unreachable, timed out, or an HTTP
    /// error): it then probably missed scrapes too, unlike a query that ran and found nothing.
    /// </summary>
    public bool IsOutage => Failure is MetricFailureKind.Unreachable or MetricFailureKind.Timeout or MetricFailureKind.HttpError;

    /// <summary>A successful reading.</summary>
    public static MetricReading Ok(string metric, double value) => new(metric, value, null, null);

    /// <summary>A failed reading with the backend's explanation.</summary>
    public static MetricReading Failed(string metric, MetricFailureKind failure, string message) => new(metric, null, failure, message);
}

/// <summary>A source of one metric's current value (a PromQL query, a simulated observation…).</summary>
public interface IMetricSource
{
    /// <summary>Name by which the metric is shown in decisions, logs and telemetry.</summary>
    string Name { get; }

    /// <summary>Reads the current value. Never throws for backend problems: they come back as failed readings.</summary>
    ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>The source of a <c>fixed</c> rule, which has no query: its reading is always a plain 0, so it never counts as a failed metric.</summary>
public sealed class NothingToRead(string name) : IMetricSource
{
    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok(name, 0));
}
