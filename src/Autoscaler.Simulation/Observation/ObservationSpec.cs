namespace Autoscaler.Simulation.Observation;

/// <summary>What a simulated metric measures (each as the demo service exports it, per replica).</summary>
public enum ObservedKind
{
    /// <summary><c>webapp_response_time_seconds</c>: mean response time of the requests completed in the last second.</summary>
    ResponseTime,

    /// <summary>The 95th percentile response time (as <c>histogram_quantile(0.95, …)</c> over the window).</summary>
    P95ResponseTime,

    /// <summary><c>rate(webapp_request_count_total[w])</c>: requests answered per second, rejected ones included.</summary>
    RequestRate,

    /// <summary><c>rate(webapp_request_count_total[w]) - rate(webapp_rejected_requests_total[w])</c>: requests accepted per second.</summary>
    AcceptedRate,

    /// <summary>Busy workers / workers (0..1), like a CPU utilization.</summary>
    Utilization,

    /// <summary><c>webapp_queue_length</c>: requests waiting for a worker.</summary>
    QueueLength,
}

/// <summary>How the per-replica series are combined, as PromQL's <c>avg(…)</c> or <c>sum(…)</c>.</summary>
public enum ObservedAggregation
{
    /// <summary>The mean over replicas.</summary>
    Avg,

    /// <summary>The total over replicas.</summary>
    Sum,
}

/// <summary>
/// One metric a policy can read in the simulation: <paramref name="Kind"/> combined over replicas by
/// <paramref name="Aggregation"/> and averaged over the scrapes of the last <paramref name="Window"/> (for a rate: the
/// counter's increase over them); a window of 0 reads the latest scrape.
/// </summary>
/// <param name="Name">Name of the policy metric it stands for.</param>
/// <param name="Kind">What it measures.</param>
/// <param name="Window">The range of the PromQL range selector it models.</param>
/// <param name="Aggregation">avg or sum over replicas.</param>
/// <param name="Noise">Relative standard deviation of Gaussian noise on each reading (0.05 = 5 %); 0: none.</param>
public sealed record ObservedMetric(string Name, ObservedKind Kind, TimeSpan Window, ObservedAggregation Aggregation = ObservedAggregation.Avg, double Noise = 0);

/// <summary>How policies see the simulated service: Prometheus' scrape interval and the metrics, with noise.</summary>
public sealed record ObservationSpec
{
    /// <summary>The longest scrape interval and metric window: a day.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    /// <summary>The most scrapes one metric's window may hold: the simulator keeps them all, per policy.</summary>
    public const int MaxScrapesPerWindow = 100_000;

    /// <summary>How often every replica is scraped (Prometheus' scrape_interval; the project's default is 5 s).</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Relative Gaussian noise on every reading that does not state its own.</summary>
    public double Noise { get; init; }

    /// <summary>
    /// Metrics by policy metric name. A policy metric not listed here is recognized by its query when it is one
    /// of the shipped ones (docs/simulation.md); otherwise the scenario is refused.
    /// </summary>
    public IReadOnlyList<ObservedMetric> Metrics { get; init; } = [];
}
