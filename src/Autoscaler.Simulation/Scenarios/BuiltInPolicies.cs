using Autoscaler.Core.Behavior;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Scenarios;

/// <summary>The policies a scenario names instead of giving a file: the baselines of docs/simulation.md.</summary>
public static class BuiltInPolicies
{
    /// <summary>The original scripts' rule and constants.</summary>
    public const string Threshold = "threshold";

    /// <summary>Kubernetes HPA: target tracking on the request rate with HPA's default behavior.</summary>
    public const string Hpa = "hpa";

    /// <summary>The clairvoyant lower bound; always run.</summary>
    public const string Oracle = "oracle";

    /// <summary>Forecast-driven scaling (Autoscaler.Core's predictive policy).</summary>
    public const string Predictive = "predictive";

    /// <summary>The project's own rule: told the SLO, sized by queueing, learning the service and the season.</summary>
    public const string Slo = "slo";

    /// <summary>The names above, as help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Threshold, Hpa, Predictive, Slo, Oracle];

    /// <summary>The default scaling query: the mean response time over 30 s.</summary>
    public const string ResponseTimeQuery = ThresholdPolicyOptions.DefaultQuery;

    /// <summary>The request rate over 30 s, the HPA baseline's metric.</summary>
    public const string RequestRateQuery = "sum(rate(webapp_request_count_total[30s]))";

    /// <summary>
    /// The request rate over 15 s, the <c>slo</c> baseline's demand: the freshest rate three scrapes at Prometheus'
    /// 5 s interval give, so a step shows within a check.
    /// </summary>
    public const string FreshRequestRateQuery = "sum(rate(webapp_request_count_total[15s]))";

    /// <summary>The 95th percentile response time over 30 s.</summary>
    public const string P95Query = "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[30s])) by (le))";

    /// <summary>Busy workers / workers over a minute, averaged over replicas (the <c>slo</c> rule learns capacity from it).</summary>
    public const string UtilizationQuery = "avg(rate(webapp_busy_seconds_total[1m]) / webapp_workers)";

    /// <summary>Requests accepted per second per replica over a minute (the <c>slo</c> rule learns capacity from it).</summary>
    public const string ThroughputQuery = "avg(rate(webapp_request_count_total[1m]) - rate(webapp_rejected_requests_total[1m]))";

    /// <summary>Share of a replica's capacity (W/S) the HPA baseline targets per replica.</summary>
    public const double HpaTargetUtilization = 0.75;

    /// <summary>
    /// Share of a replica's capacity the <c>predictive</c> baseline's reactive safety rule allows per replica once its
    /// forecast is warm: the forecast provides the headroom for what is coming, the safety rule only stops a wrong
    /// forecast from overloading the service.
    /// </summary>
    public const double PredictiveSafetyUtilization = 0.9;

    /// <summary>HPA's default sync period (--horizontal-pod-autoscaler-sync-period).</summary>
    public static TimeSpan HpaSyncPeriod { get; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The original scripts' policy: one replica more above 0.6 s of mean response time over 30 s, one fewer below
    /// 0.2 s, every 10 s, no behavior stage (as <c>autoscaler up</c> by default).
    /// </summary>
    public static PolicySpec ThresholdPolicy(int minReplicas, int maxReplicas) => new()
    {
        MinReplicas = minReplicas,
        MaxReplicas = maxReplicas,
        CheckInterval = SimulatedScaler.DefaultCheckInterval,
        Metrics = [new MetricSpec { Name = ThresholdPolicyOptions.DefaultMetricName, Query = ResponseTimeQuery, Threshold = new ThresholdPolicyOptions() }],
    };

    /// <summary>
    /// Kubernetes HPA: an AverageValue target of 75 % of one replica's capacity on the request rate, HPA's default
    /// tolerance (10 %), default behavior (scale-down stabilization 300 s, scale-up 4 pods or 100 % per 15 s) and
    /// its 15 s sync period.
    /// </summary>
    public static PolicySpec HpaPolicy(ServiceModelSpec service, int minReplicas, int maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new PolicySpec
        {
            MinReplicas = minReplicas,
            MaxReplicas = maxReplicas,
            CheckInterval = HpaSyncPeriod,
            Metrics =
            [
                new MetricSpec
                {
                    Name = "rps",
                    Query = RequestRateQuery,
                    Target = new TargetPolicyOptions { Target = HpaTargetUtilization * service.CapacityPerReplica, Type = TargetType.AverageValue },
                },
            ],
            Behavior = ScalingBehavior.HpaDefaults,
        };
    }

    /// <summary>
    /// <c>predictive</c>: the <c>hpa</c> policy's target (75 % of a replica's capacity) on the request rate, applied
    /// to a forecast one horizon (a replica's start-up delay plus the check interval) ahead with Holt-Winters over a
    /// daily season sampled every minute; alongside, a reactive safety rule on the current rate that allows 90 % of a
    /// replica's capacity once the forecast is warm (75 % before); the larger proposal wins; HPA's default behavior
    /// and sync period. For another season (a compressed day, a week), write a policy file with a <c>predictive</c> rule.
    /// </summary>
    public static PolicySpec PredictivePolicy(ServiceModelSpec service, int minReplicas, int maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(service);
        var spec = HpaPolicy(service, minReplicas, maxReplicas);
        var target = spec.Metrics[0].Target!;
        spec.Metrics[0].Target = null;
        spec.Metrics[0].Predictive = new PredictivePolicyOptions
        {
            Target = target.Target,
            ReactiveTarget = PredictiveSafetyUtilization * service.CapacityPerReplica,
            Tolerance = target.Tolerance,
            Horizon = service.StartupDelay + HpaSyncPeriod,
        };
        return spec;
    }

    /// <summary>
    /// <c>slo</c>: the <c>slo</c> rule on the request rate over 15 s, told the scenario's SLO and what a user knows of the
    /// service's shape (workers, queue limit, service-time distribution), learning its mean service time from
    /// utilization and accepted requests per replica and correcting it by the measured latency statistic; the season found
    /// in the history; a horizon of a replica's start-up delay plus the check interval; the scaler's default 10 s
    /// check interval and the rule's default behavior (<see cref="ScalingBehavior.SloDefaults"/>).
    /// </summary>
    public static PolicySpec SloPolicy(ServiceModelSpec service, SloSpec slo, int minReplicas, int maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(slo);
        var check = SimulatedScaler.DefaultCheckInterval;
        return new PolicySpec
        {
            MinReplicas = minReplicas,
            MaxReplicas = maxReplicas,
            CheckInterval = check,
            Metrics =
            [
                new MetricSpec
                {
                    Name = "rps",
                    Query = FreshRequestRateQuery,
                    Slo = new SloPolicyOptions
                    {
                        Latency = TimeSpan.FromSeconds(slo.LatencySeconds),
                        Statistic = slo.Statistic,
                        MaxErrorRate = slo.MaxErrorRate,
                        Workers = service.Workers,
                        QueueLimit = service.QueueLimit,
                        Distribution = service.Distribution,
                        Learn = new SloLearnQueries
                        {
                            Utilization = UtilizationQuery,
                            Throughput = ThroughputQuery,
                            Latency = slo.Statistic == LatencyStatistic.P95 ? P95Query : ResponseTimeQuery,
                        },
                        Horizon = service.StartupDelay + check,
                    },
                },
            ],
        };
    }

    /// <summary>
    /// Resolves a name or a policy file (ours, a HorizontalPodAutoscaler or a KEDA ScaledObject) to a policy (the
    /// built-in ones sized for <paramref name="service"/> and, for <c>slo</c>, told <paramref name="slo"/>);
    /// null for <c>oracle</c>, which the runner always adds. Relative paths are taken from <paramref name="baseDirectory"/>.
    /// </summary>
    /// <exception cref="ScenarioException">Unknown name, or a policy file that cannot be read.</exception>
    public static PolicyChoice? Resolve(string nameOrPath, ServiceModelSpec service, SloSpec slo, int minReplicas, int maxReplicas, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        switch (nameOrPath.Trim())
        {
            case Oracle:
                return null;
            case Threshold:
                return new PolicyChoice(Threshold, ThresholdPolicy(minReplicas, maxReplicas));
            case Hpa:
                return new PolicyChoice(Hpa, HpaPolicy(service, minReplicas, maxReplicas));
            case Predictive:
                return new PolicyChoice(Predictive, PredictivePolicy(service, minReplicas, maxReplicas));
            case Slo:
                return new PolicyChoice(Slo, SloPolicy(service, slo, minReplicas, maxReplicas));
        }

        var path = Path.GetFullPath(nameOrPath, Path.GetFullPath(baseDirectory));
        if (!File.Exists(path))
        {
            throw new ScenarioException($"policy '{nameOrPath}' is neither {string.Join(", ", Names)} nor a policy file (no file {path})");
        }

        try
        {
            return new PolicyChoice(Path.GetFileNameWithoutExtension(path), PolicyFiles.Load(path).Spec!) { File = path };
        }
        catch (PolicyFileException e)
        {
            throw new ScenarioException(e.Problems);
        }
    }
}

