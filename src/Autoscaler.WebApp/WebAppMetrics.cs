using Prometheus;

namespace Autoscaler.WebApp;

/// <summary>The demo service's metrics, with the names DESIGN.md fixes, in a registry of their own.</summary>
internal sealed class WebAppMetrics
{
    /// <summary>Bucket bounds for <c>http_request_duration_seconds</c>: 5 ms to 10 s.</summary>
    public static readonly double[] DurationBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10];

    public WebAppMetrics(CollectorRegistry registry, DemoWorkload workload, int workers)
    {
        Registry = registry;
        Factory = Metrics.WithCustomRegistry(registry);
        RequestCount = Factory.CreateCounter("webapp_request_count_total", "Requests to / answered by this instance, rejected ones included.");
        Rejected = Factory.CreateCounter("webapp_rejected_requests_total", "Requests to / answered 503 at once because the queue was full.");
        BusySeconds = Factory.CreateCounter("webapp_busy_seconds_total", "Seconds the workers of this instance spent serving requests, counted as each completes; its rate divided by webapp_workers is the utilization.");
        var responseTime = Factory.CreateGauge("webapp_response_time_seconds", "Mean response time of requests to / completed on this instance in the last second; 0 when none.");
        var inflight = Factory.CreateGauge("webapp_inflight_requests", "Requests to / accepted and not yet answered (working or waiting).");
        var queue = Factory.CreateGauge("webapp_queue_length", "Requests to / waiting for a free worker.");
        var workerGauge = Factory.CreateGauge("webapp_workers", "Workers of this instance (requests served at the same time).");
        workerGauge.Set(workers);
        DurationHistogram = Factory.CreateHistogram(
            "http_request_duration_seconds",
            "Duration of HTTP requests handled by this instance.",
            ["code", "method", "controller", "action", "endpoint"],
            new HistogramConfiguration { Buckets = DurationBuckets });

        registry.AddBeforeCollectCallback(() =>
        {
            var now = workload.Now;
            var (inService, waiting) = workload.Occupancy;
            responseTime.Set(workload.ResponseTimes.Mean(now));
            inflight.Set(inService + waiting);
            queue.Set(waiting);
        });
    }

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    public Counter RequestCount { get; }

    public Counter Rejected { get; }

    public Counter BusySeconds { get; }

    public Histogram DurationHistogram { get; }
}
