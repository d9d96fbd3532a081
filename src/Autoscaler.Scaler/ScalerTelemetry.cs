using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Scaling;
using Prometheus;

namespace Autoscaler.Scaler;

/// <summary>The scaler's own <c>autoscaler_</c> metrics, in a registry of their own.</summary>
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

    private readonly Counter _alerts;

    /// <summary>Creates the metrics in <paramref name="registry"/>.</summary>
    public ScalerTelemetry(CollectorRegistry registry)
    {
        Registry = registry;
        var f = Metrics.WithCustomRegistry(registry);
        _current = f.CreateGauge("autoscaler_current_replicas", "Replica count read from the target at the last evaluation.");
        _desired = f.CreateGauge("autoscaler_desired_replicas", "Replica count chosen by the last evaluation.");
        _metricValue = f.CreateGauge("autoscaler_metric_value", "Last value of each metric (NaN when its reading failed).", "metric");
        _decisions = f.CreateCounter("autoscaler_decisions_total", "Evaluations, by direction (up, down, none) and cause.", "direction", "reason");
        _actions = f.CreateCounter("autoscaler_scale_actions_total", "Calls to the scaling target, by result (success, failure).", "result");
        _queryErrors = f.CreateCounter("autoscaler_query_errors_total", "Metric readings that failed, by metric and kind.", "metric", "kind");
        _proposals = f.CreateGauge("autoscaler_proposed_replicas", "Each policy's last proposal for its metric (NaN when it had none).", "metric", "policy");
        _dryRun = f.CreateGauge("autoscaler_dry_run", "1 when decisions are only logged and exported, never applied.");
        _paused = f.CreateGauge("autoscaler_paused", "1 while autoscaling is paused (the count held at the paused one), else 0.");
        _evaluation = f.CreateHistogram("autoscaler_evaluation_duration_seconds", "Time one evaluation took, queries and scaling included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _alerts = f.CreateCounter("autoscaler_alerts_received_total", "Alerts received from Alertmanager's webhook, by status (firing, resolved).", "status");
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
    }

    /// <summary>Marks whether autoscaling is paused.</summary>
    public void SetPaused(bool paused) => _paused.Set(paused ? 1 : 0);

    /// <summary>Marks whether the scaler runs in dry-run mode.</summary>
    public void SetDryRun(bool dryRun) => _dryRun.Set(dryRun ? 1 : 0);

    /// <summary>Counts alerts received through the webhook.</summary>
    public void RecordAlerts(string status, int count) => _alerts.WithLabels(status).Inc(count);

    /// <summary>Counts an evaluation that failed before deciding.</summary>
    public void RecordTargetError() => _queryErrors.WithLabels("target", "unreachable").Inc();

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
