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
    private readonly Gauge _proposals;
    private readonly Gauge _dryRun;
    private readonly Gauge _paused;
    private readonly Gauge _leader;

    private readonly Counter _alerts;
    private readonly Counter _webhookCalls;
    private readonly Counter _targetReadErrors;
    private readonly Histogram _queryDuration;
    private readonly Gauge _lastEvaluation;
    private readonly Gauge _minReplicas;
    private readonly Gauge _maxReplicas;
    private readonly Gauge _checkInterval;
    private readonly Gauge _threshold;

    /// <summary>Creates the metrics in <paramref name="registry"/>; <paramref name="time"/> stamps the start as the last evaluation until there is one.</summary>
    public ScalerTelemetry(CollectorRegistry registry, TimeProvider? time = null)
    {
        Registry = registry;
        DotNetStats.Register(registry);
        var f = Metrics.WithCustomRegistry(registry);
        f.CreateGauge("autoscaler_build_info", "Always 1; the labels say which build runs: version, git commit (empty when unknown), .NET runtime.", "version", "commit", "runtime")
            .WithLabels(BuildInfo.Version, BuildInfo.Commit, RuntimeInformation.FrameworkDescription).Set(1);
        _minReplicas = f.CreateGauge("autoscaler_min_replicas", "Fewest replicas allowed now: the policy's, or an open schedule window's.");
        _maxReplicas = f.CreateGauge("autoscaler_max_replicas", "Most replicas allowed now: the policy's, or an open schedule window's.");
        _checkInterval = f.CreateGauge("autoscaler_check_interval_seconds", "Time between periodic evaluations.");
        _threshold = f.CreateGauge("autoscaler_metric_threshold",
            "What each metric's rule compares its value with, by bound: scale_up and scale_down (threshold rules), target (a whole-service "
            + "target) or target_per_replica (target AverageValue and predictive rules: multiply by the replicas for the service's total).",
            "metric", "bound");
        _lastEvaluation = f.CreateGauge("autoscaler_last_evaluation_timestamp_seconds",
            "Unix time of the last evaluation that reached a decision (the start until the first one).");
        _lastEvaluation.Set((time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        _targetReadErrors = f.CreateCounter("autoscaler_target_read_errors_total",
            "Evaluations that could not read the replica count from the scaling target, and so decided nothing.");
        _queryDuration = f.CreateHistogram("autoscaler_query_duration_seconds", "Time one metric's query took, failed ones included.",
            new HistogramConfiguration { LabelNames = ["metric"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _current = f.CreateGauge("autoscaler_current_replicas", "Replica count read from the target at the last evaluation.");
        _desired = f.CreateGauge("autoscaler_desired_replicas", "Replica count chosen by the last evaluation.");
        _metricValue = f.CreateGauge("autoscaler_metric_value", "Last value of each metric (NaN when its reading failed).", "metric");
        _decisions = f.CreateCounter("autoscaler_decisions_total", "Evaluations, by direction (up, down, none) and cause.", "direction", "reason");
        _actions = f.CreateCounter("autoscaler_scale_actions_total", "Calls to the scaling target, by result (success, failure).", "result");
        _queryErrors = f.CreateCounter("autoscaler_query_errors_total", "Metric readings that failed, by metric and kind.", "metric", "kind");
        _proposals = f.CreateGauge("autoscaler_proposed_replicas", "Each policy's last proposal for its metric (NaN when it had none).", "metric", "policy");
        _dryRun = f.CreateGauge("autoscaler_dry_run", "1 when decisions are only logged and exported, never applied.");
        _paused = f.CreateGauge("autoscaler_paused", "1 while autoscaling is paused (the count held at the paused one), else 0.");
        _leader = f.CreateGauge("autoscaler_leader", "1 while this scaler leads (only the leader scales), 0 while it stands by.");
        _leader.Set(1);
        _evaluation = f.CreateHistogram("autoscaler_evaluation_duration_seconds", "Time one evaluation took, queries and scaling included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _alerts = f.CreateCounter("autoscaler_alerts_received_total", "Alerts received from Alertmanager's webhook, by status (firing, resolved).", "status");
        _alerts.WithLabels("firing");
        _alerts.WithLabels("resolved");
        _webhookCalls = f.CreateCounter("autoscaler_alert_webhook_calls_total",
            "Calls of the alert webhook by result: evaluation (asked for one), coalesced (folded into one already pending), no_alerts, "
            + "or refused: unauthorized, unsupported_media_type, too_large, invalid.", "result");
        foreach (var result in Alerts.WebhookResults.All)
        {
            _webhookCalls.WithLabels(result);
        }
        foreach (var direction in new[] { "up", "down", "none" })
        {
            _decisions.WithLabels(direction, DecisionCauses.Policy);
        }

        _actions.WithLabels("success");
        _actions.WithLabels("failure");
    }

    /// <summary>The registry served at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

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

    /// <summary>Marks whether autoscaling is paused.</summary>
    public void SetPaused(bool paused) => _paused.Set(paused ? 1 : 0);

    /// <summary>Sets <c>autoscaler_leader</c>.</summary>
    public void SetLeader(bool leader) => _leader.Set(leader ? 1 : 0);

    /// <summary>Marks whether the scaler runs in dry-run mode.</summary>
    public void SetDryRun(bool dryRun) => _dryRun.Set(dryRun ? 1 : 0);

    /// <summary>Counts alerts received through the webhook.</summary>
    public void RecordAlerts(string status, int count) => _alerts.WithLabels(status).Inc(count);

    /// <summary>Counts one call of the alert webhook by what became of it (<c>Alerts.WebhookResults</c>).</summary>
    public void RecordWebhookCall(string result) => _webhookCalls.WithLabels(result).Inc();

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
