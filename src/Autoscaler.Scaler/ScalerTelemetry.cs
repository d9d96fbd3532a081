using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Autoscaler.Core;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;
using Prometheus;

namespace Autoscaler.Scaler;

/// <summary>
/// The scaler's own <c>autoscaler_</c> metrics, in a registry of their own, with the process and runtime metrics
/// (<c>process_*</c>, <c>dotnet_*</c>) beside them.
/// </summary>
public sealed class ScalerTelemetry
{
    private readonly Gauge _current;
    private readonly Gauge _desired;
    private readonly Gauge _metricValue;
    private readonly Counter _decisions;
    private readonly Counter _actions;
    private readonly Counter _queryErrors;
    private readonly Histogram _evaluation;
    private readonly Histogram _lag;
    private readonly Gauge _proposals;
    private readonly Gauge _dryRun;
    private readonly Gauge _paused;

    private readonly Counter _alerts;
    private readonly Counter _targetReadErrors;
    private readonly Histogram _queryDuration;
    private readonly Gauge _lastEvaluation;
    private readonly Gauge _minReplicas;
    private readonly Gauge _maxReplicas;
    private readonly Gauge _checkInterval;
    private readonly Gauge _threshold;

    /// <summary>The service name of a scaler run for one service from flags (<c>--service-name</c>).</summary>
    public const string DefaultService = "webapp";

    // The process-wide metrics (build info, process_*, dotnet_*) go into a registry once, however many services share it.
    private static readonly ConditionalWeakTable<CollectorRegistry, object> ProcessMetrics = [];

    private readonly List<Collector> _families = [];

    /// <summary>
    /// Creates <paramref name="service"/>'s metrics in <paramref name="registry"/> (every <c>autoscaler_</c> series
    /// carries <c>service="NAME"</c>; several services share one registry); <paramref name="time"/> stamps the start as
    /// the last evaluation until there is one.
    /// </summary>
    public ScalerTelemetry(CollectorRegistry registry, TimeProvider? time = null, string service = DefaultService)
    {
        Registry = registry;
        Service = service;
        var f = Metrics.WithCustomRegistry(registry);
        lock (ProcessMetrics)
        {
            if (!ProcessMetrics.TryGetValue(registry, out _))
            {
                DotNetStats.Register(registry);
                f.CreateGauge("autoscaler_build_info", "Always 1; the labels say which build runs: version, git commit (empty when unknown), .NET runtime.", "version", "commit", "runtime")
                    .WithLabels(BuildInfo.Version, BuildInfo.Commit, RuntimeInformation.FrameworkDescription).Set(1);
                ProcessMetrics.Add(registry, new object());
            }
        }

        var s = f.WithLabels(new Dictionary<string, string> { ["service"] = service });
        _minReplicas = Track(s.CreateGauge("autoscaler_min_replicas", "Fewest replicas allowed now: the policy's, or an open schedule window's."));
        _maxReplicas = Track(s.CreateGauge("autoscaler_max_replicas", "Most replicas allowed now: the policy's, or an open schedule window's."));
        _checkInterval = Track(s.CreateGauge("autoscaler_check_interval_seconds", "Time between periodic evaluations."));
        _threshold = Track(s.CreateGauge("autoscaler_metric_threshold",
            "What each metric's rule compares its value with, by bound: scale_up and scale_down (threshold rules), target (a whole-service "
            + "target) or target_per_replica (target AverageValue and predictive rules: multiply by the replicas for the service's total).",
            ["metric", "bound"]));
        _lastEvaluation = Track(s.CreateGauge("autoscaler_last_evaluation_timestamp_seconds",
            "Unix time of the last evaluation that reached a decision (the start until the first one)."));
        _lastEvaluation.Set((time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        _targetReadErrors = Track(s.CreateCounter("autoscaler_target_read_errors_total",
            "Evaluations that could not read the replica count from the scaling target, and so decided nothing."));
        _queryDuration = Track(s.CreateHistogram("autoscaler_query_duration_seconds", "Time one metric's query took, failed ones included.",
            new HistogramConfiguration { LabelNames = ["metric"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) }));
        _current = Track(s.CreateGauge("autoscaler_current_replicas", "Replica count read from the target at the last evaluation."));
        _desired = Track(s.CreateGauge("autoscaler_desired_replicas", "Replica count chosen by the last evaluation."));
        _metricValue = Track(s.CreateGauge("autoscaler_metric_value", "Last value of each metric (NaN when its reading failed).", ["metric"]));
        _decisions = Track(s.CreateCounter("autoscaler_decisions_total", "Evaluations, by direction (up, down, none) and cause.", ["direction", "reason"]));
        _actions = Track(s.CreateCounter("autoscaler_scale_actions_total", "Calls to the scaling target, by result (success, failure).", ["result"]));
        _queryErrors = Track(s.CreateCounter("autoscaler_query_errors_total", "Metric readings that failed, by metric and kind.", ["metric", "kind"]));
        _proposals = Track(s.CreateGauge("autoscaler_proposed_replicas", "Each policy's last proposal for its metric (NaN when it had none).", ["metric", "policy"]));
        _dryRun = Track(s.CreateGauge("autoscaler_dry_run", "1 when decisions are only logged and exported, never applied."));
        _paused = Track(s.CreateGauge("autoscaler_paused", "1 while autoscaling is paused (the count held at the paused one), else 0."));
        _evaluation = Track(s.CreateHistogram("autoscaler_evaluation_duration_seconds", "Time one evaluation took, queries and scaling included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) }));
        _lag = Track(s.CreateHistogram("autoscaler_evaluation_lag_seconds",
            "How long after its scheduled tick each periodic evaluation started (many services on one scaler: whether it keeps up).",
            new HistogramConfiguration { Buckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] }));
        _alerts = Track(s.CreateCounter("autoscaler_alerts_received_total", "Alerts received from Alertmanager's webhook, by status (firing, resolved).", ["status"]));
        _alerts.WithLabels("firing");
        _alerts.WithLabels("resolved");
        foreach (var direction in new[] { "up", "down", "none" })
        {
            _decisions.WithLabels(direction, DecisionCauses.Policy);
        }

        _actions.WithLabels("success");
        _actions.WithLabels("failure");
    }

    /// <summary>The registry served at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>The service these metrics are of (their <c>service</c> label).</summary>
    public string Service { get; }

    /// <summary>
    /// Takes this service's series off <c>/metrics</c> (its file was removed): labelled series are removed, series
    /// without other labels are unpublished, since the registry keeps the metric itself for the other services.
    /// </summary>
    public void Remove()
    {
        foreach (var family in _families)
        {
            switch (family)
            {
                case Gauge { LabelNames.Length: 0 } g:
                    g.Unpublish();
                    break;
                case Counter { LabelNames.Length: 0 } c:
                    c.Unpublish();
                    break;
                case Histogram { LabelNames.Length: 0 } h:
                    h.Unpublish();
                    break;
                case Collector<Gauge.Child> g:
                    RemoveAll(g);
                    break;
                case Collector<Counter.Child> c:
                    RemoveAll(c);
                    break;
                case Collector<Histogram.Child> h:
                    RemoveAll(h);
                    break;
            }
        }
    }

    private static void RemoveAll<TChild>(Collector<TChild> collector)
        where TChild : ChildBase
    {
        foreach (var labels in collector.GetAllLabelValues().ToList())
        {
            collector.RemoveLabelled(labels);
        }
    }

    private T Track<T>(T collector)
        where T : Collector
    {
        _families.Add(collector);
        return collector;
    }

    /// <summary>Exports one evaluation.</summary>
    public void Record(ScalingDecision decision, ScaleResult? action, TimeSpan duration)
    {
        _current.Set(decision.CurrentReplicas);
        _desired.Set(decision.DesiredReplicas);
        foreach (var reading in decision.Readings)
        {
            _metricValue.WithLabels(reading.Metric).Set(reading.Value ?? double.NaN);
            if (reading.Failure is { } failure)
            {
                _queryErrors.WithLabels(reading.Metric, Label(failure)).Inc();
            }
        }

        foreach (var proposal in decision.Proposals)
        {
            _proposals.WithLabels(proposal.Metric, proposal.Policy).Set(proposal.Replicas ?? double.NaN);
        }

        _decisions.WithLabels(decision.Direction.ToString().ToLowerInvariant(), decision.Cause).Inc();
        SetPaused(decision.Pause is not null);
        if (action is not null)
        {
            _actions.WithLabels(action.Succeeded ? "success" : "failure").Inc();
        }

        _evaluation.Observe(duration.TotalSeconds);
        _lastEvaluation.Set(decision.Time.ToUnixTimeMilliseconds() / 1000.0);
        if (decision.MaxReplicas > 0)
        {
            // The limits in force: a schedule window's while one is open.
            _minReplicas.Set(decision.MinReplicas);
            _maxReplicas.Set(decision.MaxReplicas);
        }
    }

    /// <summary>
    /// Exports what the scaler runs with: the limits, the check interval and each rule's thresholds or targets, so a
    /// dashboard or an alert can compare against them under any policy.
    /// </summary>
    public void SetConfiguration(PolicySpec policy, TimeSpan checkInterval)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _minReplicas.Set(policy.MinReplicas);
        _maxReplicas.Set(policy.MaxReplicas);
        _checkInterval.Set(checkInterval.TotalSeconds);
        foreach (var metric in policy.Metrics)
        {
            foreach (var (bound, value) in Bounds(metric))
            {
                _threshold.WithLabels(metric.Name, bound).Set(value);
            }
        }
    }

    /// <summary>Records how long one metric's query took.</summary>
    public void RecordQuery(string metric, TimeSpan duration) => _queryDuration.WithLabels(metric).Observe(duration.TotalSeconds);

    /// <summary>Records how long after its scheduled tick a periodic evaluation started.</summary>
    public void RecordLag(TimeSpan lag) => _lag.Observe(Math.Max(0, lag.TotalSeconds));

    /// <summary>Marks whether autoscaling is paused.</summary>
    public void SetPaused(bool paused) => _paused.Set(paused ? 1 : 0);

    /// <summary>Marks whether the scaler runs in dry-run mode.</summary>
    public void SetDryRun(bool dryRun) => _dryRun.Set(dryRun ? 1 : 0);

    /// <summary>Counts alerts received through the webhook.</summary>
    public void RecordAlerts(string status, int count) => _alerts.WithLabels(status).Inc(count);


    /// <summary>Counts an evaluation that failed before deciding: the target's replica count could not be read.</summary>
    public void RecordTargetError() => _targetReadErrors.Inc();

    private static IEnumerable<(string Bound, double Value)> Bounds(MetricSpec metric)
    {
        if (metric.Threshold is { } t)
        {
            yield return ("scale_up", t.ScaleUpThreshold);
            yield return ("scale_down", t.ScaleDownThreshold);
        }
        else if (metric.Target is { } g)
        {
            yield return (g.Type == TargetType.AverageValue ? "target_per_replica" : "target", g.Target);
        }
        else if (metric.Predictive is { } p)
        {
            yield return ("target_per_replica", p.Target);
        }
    }

    private static string Label(MetricFailureKind kind) => kind switch
    {
        MetricFailureKind.NoData => "no_data",
        MetricFailureKind.NotFinite => "not_finite",
        MetricFailureKind.TooManySeries => "too_many_series",
        MetricFailureKind.QueryError => "query_error",
        MetricFailureKind.HttpError => "http_error",
        MetricFailureKind.Unreachable => "unreachable",
        MetricFailureKind.Timeout => "timeout",
        _ => "other",
    };
}
