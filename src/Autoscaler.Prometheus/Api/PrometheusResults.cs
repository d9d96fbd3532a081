using Autoscaler.Core.Metrics;

namespace Autoscaler.Prometheus.Api;

/// <summary>Why a call to the Prometheus API produced no answer to use.</summary>
public enum PrometheusErrorKind
{
    /// <summary>Prometheus rejected the request and said why (<c>"status":"error"</c>, e.g. a PromQL syntax error).</summary>
    QueryError,

    /// <summary>An HTTP error status without a Prometheus error body (a proxy, a wrong path, authentication).</summary>
    HttpError,

    /// <summary>The answer was not the JSON Prometheus sends.</summary>
    InvalidResponse,

    /// <summary>No connection: refused, DNS, TLS.</summary>
    Unreachable,

    /// <summary>No answer within the per-request timeout.</summary>
    Timeout,
}

/// <summary>What went wrong with one API call.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">A sentence for logs: names the URL, the status, or Prometheus's own words.</param>
/// <param name="ErrorType">Prometheus's <c>errorType</c> (<c>bad_data</c>, <c>execution</c>, <c>timeout</c>…), when it sent one.</param>
/// <param name="StatusCode">The HTTP status, when there was a response.</param>
public sealed record PrometheusError(PrometheusErrorKind Kind, string Message, string? ErrorType = null, int? StatusCode = null)
{
    /// <summary>The metric failure this error means to the scaler.</summary>
    public MetricFailureKind ToFailureKind() => Kind switch
    {
        PrometheusErrorKind.QueryError => MetricFailureKind.QueryError,
        PrometheusErrorKind.Unreachable => MetricFailureKind.Unreachable,
        PrometheusErrorKind.Timeout => MetricFailureKind.Timeout,
        _ => MetricFailureKind.HttpError,
    };
}

/// <summary>The outcome of one API call: a value, or an error. Never both.</summary>
/// <typeparam name="T">Type of the value.</typeparam>
public sealed record PrometheusResult<T>
{
    private PrometheusResult(T? value, PrometheusError? error, IReadOnlyList<string> warnings)
    {
        Value = value;
        Error = error;
        Warnings = warnings;
    }

    /// <summary>The value; default when <see cref="Error"/> is set.</summary>
    public T? Value { get; }

    /// <summary>Why there is no value; null on success.</summary>
    public PrometheusError? Error { get; }

    /// <summary>Warnings Prometheus attached to a successful answer.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>True when <see cref="Value"/> holds the answer.</summary>
    public bool Succeeded => Error is null;

    /// <summary>A successful result.</summary>
    public static PrometheusResult<T> Ok(T value, IReadOnlyList<string>? warnings = null) => new(value, null, warnings ?? []);

    /// <summary>A failed result.</summary>
    public static PrometheusResult<T> Fail(PrometheusError error) => new(default, error, []);
}

/// <summary>Shape of an instant query's result, as Prometheus names it in <c>resultType</c>.</summary>
public enum PrometheusResultType
{
    /// <summary>An instant vector: zero or more labelled samples.</summary>
    Vector,

    /// <summary>A single number without labels.</summary>
    Scalar,

    /// <summary>A range vector: labelled series of points.</summary>
    Matrix,

    /// <summary>A string literal.</summary>
    String,
}

/// <summary>One (time, value) point; the value may be NaN or infinite, as Prometheus sent it.</summary>
public readonly record struct PrometheusPoint(DateTimeOffset Timestamp, double Value);

/// <summary>One labelled sample of an instant vector (or a scalar, with no labels).</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, DateTimeOffset Timestamp, double Value);

/// <summary>One labelled series of a range result.</summary>
public sealed record PrometheusSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<PrometheusPoint> Points);

/// <summary>The data of an instant query.</summary>
/// <param name="ResultType">What Prometheus returned.</param>
/// <param name="Samples">Vector samples; one unlabelled sample for a scalar; empty otherwise.</param>
/// <param name="Series">Series of a matrix result; empty otherwise.</param>
/// <param name="StringValue">The string of a string result; null otherwise.</param>
public sealed record InstantQueryData(
    PrometheusResultType ResultType,
    IReadOnlyList<PrometheusSample> Samples,
    IReadOnlyList<PrometheusSeries> Series,
    string? StringValue);

/// <summary>One active scrape target as <c>/api/v1/targets</c> reports it.</summary>
/// <param name="ScrapePool">The job (scrape config) the target belongs to.</param>
/// <param name="ScrapeUrl">The URL Prometheus scrapes.</param>
/// <param name="Health"><c>up</c>, <c>down</c> or <c>unknown</c> (not scraped yet).</param>
/// <param name="Labels">Labels after relabelling (<c>job</c>, <c>instance</c>…).</param>
/// <param name="LastError">Error of the last scrape; empty when it succeeded.</param>
/// <param name="LastScrape">When it was last scraped; null when never.</param>
/// <param name="LastScrapeDuration">How long the last scrape took.</param>
public sealed record PrometheusTarget(
    string ScrapePool,
    string ScrapeUrl,
    string Health,
    IReadOnlyDictionary<string, string> Labels,
    string LastError,
    DateTimeOffset? LastScrape,
    TimeSpan LastScrapeDuration)
{
    /// <summary>True when the last scrape succeeded.</summary>
    public bool IsUp => string.Equals(Health, "up", StringComparison.Ordinal);
}

/// <summary>The outcome of a query expected to yield exactly one number; converts to a <see cref="MetricReading"/>.</summary>
/// <param name="Value">The finite value; null when the query failed.</param>
/// <param name="Failure">Why there is no value; null on success.</param>
/// <param name="Message">What went wrong, in Prometheus's words where it gave any; null on success.</param>
public sealed record ScalarQueryResult(double? Value, MetricFailureKind? Failure, string? Message)
{
    /// <summary>Labels of the one series (empty for a scalar result or a failure).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Evaluation time of the sample.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The API error behind a failure, when the call itself failed.</summary>
    public PrometheusError? Error { get; init; }

    /// <summary>Number of series the query returned (0 for no data, more than 1 for too many).</summary>
    public int SeriesCount { get; init; }

    /// <summary>True when <see cref="Value"/> holds a finite number.</summary>
    public bool Succeeded => Value is not null;

    /// <summary>The reading of the metric source named <paramref name="metric"/>.</summary>
    public MetricReading ToReading(string metric) => new(metric, Value, Failure, Message);
}
