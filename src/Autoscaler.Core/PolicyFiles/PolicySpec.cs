using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.Behavior;
using Autoscaler.Core.Formulas;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Schedules;
using Cronos;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>One metric of a policy: its query, the rule applied to it, and what to do when it fails.</summary>
public sealed class MetricSpec
{
    /// <summary>Name in logs, decisions and telemetry.</summary>
    public string Name { get; set; } = "";

    /// <summary>PromQL that yields one value; empty for a <c>fixed</c> policy.</summary>
    public string Query { get; set; } = "";

    /// <summary>Set for the <c>threshold</c> policy.</summary>
    public ThresholdPolicyOptions? Threshold { get; set; }

    /// <summary>Set for the <c>target</c> policy.</summary>
    public TargetPolicyOptions? Target { get; set; }

    /// <summary>Set for the <c>predictive</c> policy.</summary>
    public PredictivePolicyOptions? Predictive { get; set; }

    /// <summary>Set for the <c>slo</c> policy.</summary>
    public SloPolicyOptions? Slo { get; set; }

    /// <summary>Set for the <c>fixed</c> policy.</summary>
    [Range(0, ScalingLimits.Largest)]
    public int? Fixed { get; set; }

    /// <summary>
    /// The rule's name: <c>threshold</c>, <c>target</c>, <c>predictive</c>, <c>slo</c> or <c>fixed</c>; <c>input</c> for a
    /// metric with no rule, which only feeds the policy's formula.
    /// </summary>
    public string Rule => Threshold is not null ? "threshold" : Target is not null ? "target" : Predictive is not null ? "predictive" : Slo is not null ? "slo"
        : Fixed is not null || Query.Length == 0 ? "fixed" : "input";

    /// <summary>The extra queries the rule reads beside <see cref="Query"/> (the <c>slo</c> rule's learning inputs), as (reading name, PromQL).</summary>
    public IReadOnlyList<(string Name, string Query)> Inputs => Slo?.InputsFor(Name) ?? [];

    /// <summary>What to do when the metric has no value.</summary>
    public MetricFailureHandling OnFailure { get; set; } = MetricFailureHandling.Hold;

    /// <summary>KEDA's activation threshold: with minReplicas 0, above it the service runs; null: none.</summary>
    [Range(0.0, double.MaxValue)]
    public double? ActivationThreshold { get; set; }

    /// <summary>Where the query goes when it is not the scaler's configured Prometheus (a KEDA trigger's server and its options); null: the configured one.</summary>
    public PrometheusConnection? Prometheus { get; set; }

    /// <summary>The policy object for this metric; <paramref name="time"/> stamps what a stateful policy remembers (virtual in the simulator).</summary>
    public IScalingPolicy CreatePolicy(TimeProvider time) =>
        Threshold is { } t ? new ThresholdPolicy(t)
        : Target is { } g ? new TargetPolicy(g)
        : Predictive is { } p ? new PredictivePolicy(p, time)
        : Slo is { } o ? new SloPolicy(o, time, Name)
        : new FixedPolicy(Fixed ?? 0);
}

/// <summary>A whole scaling policy: limits, metrics with their rules, and the behavior stage.</summary>
public sealed class PolicySpec
{
    /// <summary>The scaler's time between evaluations when neither the policy nor the configuration says (the original scripts' CHECK_INTERVAL).</summary>
    public static TimeSpan DefaultCheckInterval { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The shortest check interval, as a <see cref="RangeAttribute"/> bound.</summary>
    public const string MinCheckInterval = "00:00:00.050";

    /// <summary>The longest check interval, as a <see cref="RangeAttribute"/> bound.</summary>
    public const string MaxCheckInterval = "1.00:00:00";

    /// <summary>
    /// The most metrics (KEDA triggers, HPA metrics) a policy may have: the scaler sends each one's query every check,
    /// and a policy needs a handful. A 50 MB file of 390,000 metrics took 45 s and 4 GB to read before this bound.
    /// </summary>
    public const int MaxMetrics = 64;

    /// <summary>The most schedule windows a policy may have: every one is looked at on every check.</summary>
    public const int MaxSchedules = 64;

    /// <summary>How <see cref="MaxMetrics"/> reads in a problem: "more than the 64 metrics a policy may have".</summary>
    internal static (int, string) MetricsBound(string what) => (MaxMetrics, $"{what} a policy may have");

    /// <summary>Fewest replicas; checked with <see cref="ToLimits"/>.</summary>
    public int MinReplicas { get; set; } = ScalingLimits.DefaultMinReplicas;

    /// <summary>Most replicas; checked with <see cref="ToLimits"/>.</summary>
    public int MaxReplicas { get; set; } = ScalingLimits.DefaultMaxReplicas;

    /// <summary>Time between evaluations, when the policy says.</summary>
    [Range(typeof(TimeSpan), MinCheckInterval, MaxCheckInterval)]
    public TimeSpan? CheckInterval { get; set; }

    /// <summary>The metrics; each yields a proposal and the largest wins.</summary>
    public List<MetricSpec> Metrics { get; set; } = [];

    /// <summary>With activation thresholds and minReplicas 0: how long no metric may be active before scaling to zero (KEDA's cooldownPeriod).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ScaleToZeroAfter { get; set; } = DecisionPipeline.DefaultScaleToZeroAfter;

    /// <summary>The Kubernetes object the policy was read from (name, namespace, what it scales), kept so an export writes it back; null: none.</summary>
    public KubernetesObject? Kubernetes { get; set; }

    /// <summary>The clamp stage's limits, whose validator checks min and max.</summary>
    public ScalingLimits ToLimits() => new() { MinReplicas = MinReplicas, MaxReplicas = MaxReplicas };

    /// <summary>The behavior as written; null when the file has none.</summary>
    public ScalingBehavior? Behavior { get; set; }

    /// <summary>
    /// KEDA's <c>scalingModifiers</c>: one composite value from the metrics, scaled on by one target rule; null: none.
    /// With a formula, the metrics have no rule of their own and only feed it.
    /// </summary>
    public FormulaSpec? Formula { get; set; }

    /// <summary>Windows that raise or lower [min, max] while open, in file order.</summary>
    public List<ScheduleSpec> Schedules { get; set; } = [];

    /// <summary>Starts paused at the count the target has (KEDA's <c>autoscaling.keda.sh/paused: "true"</c>).</summary>
    public bool Paused { get; set; }

    /// <summary>Starts paused at this count (KEDA's <c>autoscaling.keda.sh/paused-replicas</c>); wins over <see cref="Paused"/>; null: none.</summary>
    [Range(0, ScalingLimits.Largest)]
    public int? PausedReplicas { get; set; }

    /// <summary>The pause the policy starts with, stamped <paramref name="since"/>; null when it does not start paused.</summary>
    public ScalingPause? StartPause(DateTimeOffset since) =>
        PausedReplicas is not null || Paused ? new ScalingPause(PausedReplicas, PauseSources.Policy, since) : null;

    /// <summary>
    /// The behavior in force: as written; or, when none is written, nothing at all for a policy made only of
    /// <c>threshold</c> rules (the original scripts' behavior), <see cref="ScalingBehavior.SloDefaults"/> when any rule
    /// is <c>slo</c>, and Kubernetes HPA's defaults otherwise.
    /// </summary>
    public ScalingBehavior EffectiveBehavior =>
        Behavior ?? (Metrics.All(m => m.Threshold is not null) ? ScalingBehavior.None
            : Metrics.Any(m => m.Slo is not null) ? ScalingBehavior.SloDefaults
            : ScalingBehavior.HpaDefaults);

    /// <summary>
    /// What the policy reads at every evaluation, in order: every rule's metric (an empty query for a <c>fixed</c>
    /// rule), then every extra input a rule learns from. <see cref="ScalingStep.Build"/> binds one source to each.
    /// </summary>
    public IReadOnlyList<MetricRead> Reads =>
        [
            .. Metrics.Select(m => new MetricRead(m.Name, m.Query)),
            .. Metrics.SelectMany(m => m.Inputs).Select(i => new MetricRead(i.Name, i.Query)),
        ];

    /// <summary>The pipeline this policy describes.</summary>
    /// <exception cref="FormulaException">The formula does not compile (a policy read from a file has been checked already).</exception>
    public DecisionPipeline CreatePipeline(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new(
            Formula is { } f
                ? [new PolicyBinding(f.Name, new TargetPolicy(f.Target), f.OnFailure, f.ActivationThreshold) { RecoveryWindow = Metrics.Select(m => QueryWindow.Longest(m.Query)).DefaultIfEmpty().Max() }]
                : [.. Metrics.Select(m => new PolicyBinding(m.Name, m.CreatePolicy(time), m.OnFailure, m.ActivationThreshold) { RecoveryWindow = QueryWindow.Longest(m.Query) })],
            ToLimits(),
            time,
            EffectiveBehavior,
            ScaleToZeroAfter,
            Formula?.Compile(Metrics),
            [.. Schedules.Select(w => w.CreateWindow())],
            StartPause(time.GetUtcNow()));
    }
}

/// <summary>
/// KEDA's <c>spec.advanced.scalingModifiers</c>: an expression over the metrics' names (<c>formula</c>) whose value is
/// scaled on with one target rule (<c>target</c>, <c>metricType</c>) and one activation threshold (<c>activationTarget</c>).
/// </summary>
public sealed class FormulaSpec
{
    /// <summary>The composite's name when none is given.</summary>
    public const string DefaultName = "formula";

    /// <summary>The composite metric's name in decisions and telemetry.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>The expression (see <see cref="MetricFormula"/> for the language).</summary>
    public string Expression { get; set; } = "";

    /// <summary>The target rule applied to the composite value.</summary>
    public TargetPolicyOptions Target { get; set; } = new();

    /// <summary>With minReplicas 0: above it the service runs; null: none (KEDA's <c>activationTarget</c>, default 0 there).</summary>
    [Range(0, double.MaxValue)]
    public double? ActivationThreshold { get; set; }

    /// <summary>What to do when the composite has no value (an input failed, or the result was not finite).</summary>
    public MetricFailureHandling OnFailure { get; set; } = MetricFailureHandling.Hold;

    /// <summary>Compiles the expression over <paramref name="metrics"/>.</summary>
    /// <exception cref="FormulaException">It does not compile.</exception>
    public MetricFormula Compile(IReadOnlyList<MetricSpec> metrics) =>
        MetricFormula.Compile(Name, Expression, [.. metrics.Select(m => (m.Name, m.OnFailure.IgnoreNullValues))]);
}

/// <summary>A window of <c>schedules:</c>: from a cron start to a cron end or for a duration, in a time zone, it sets min and/or max.</summary>
public sealed class ScheduleSpec
{
    /// <summary>Its name in decisions.</summary>
    public string Name { get; set; } = "";

    /// <summary>Cron expression (5 fields, or 6 with seconds first) of the openings.</summary>
    public string Start { get; set; } = "";

    /// <summary>Cron expression of the closings; null: <see cref="Duration"/>.</summary>
    public string? End { get; set; }

    /// <summary>How long each opening lasts, when there is no <see cref="End"/>.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>The time zone when none is given.</summary>
    public const string Utc = "UTC";

    /// <summary>IANA (or Windows) time zone id the expressions are read in.</summary>
    public string TimeZone { get; set; } = Utc;

    /// <summary>The minimum while open; null: the policy's.</summary>
    [Range(0, ScalingLimits.Largest)]
    public int? MinReplicas { get; set; }

    /// <summary>The maximum while open; null: the policy's.</summary>
    [Range(1, ScalingLimits.Largest)]
    public int? MaxReplicas { get; set; }

    /// <summary>The window the pipeline runs.</summary>
    /// <exception cref="CronFormatException">An expression does not parse (a policy read from a file has been checked already).</exception>
    /// <exception cref="TimeZoneNotFoundException">The time zone is unknown.</exception>
    public ScheduleWindow CreateWindow() => new(
        Name,
        ParseCron(Start),
        End is { } end ? ParseCron(end) : null,
        Duration ?? TimeSpan.Zero,
        TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        MinReplicas,
        MaxReplicas);

    /// <summary>Parses a cron expression: 5 fields, or 6 with seconds first; macros such as <c>@daily</c> too.</summary>
    public static CronExpression ParseCron(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(text.Trim(), fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }
}

/// <summary>A Kubernetes object's identity and the workload it scales, as a HorizontalPodAutoscaler or ScaledObject names them.</summary>
/// <param name="Name">metadata.name.</param>
/// <param name="Namespace">metadata.namespace; null: the current one.</param>
/// <param name="TargetApiVersion">scaleTargetRef.apiVersion.</param>
/// <param name="TargetKind">scaleTargetRef.kind.</param>
/// <param name="TargetName">scaleTargetRef.name.</param>
public sealed record KubernetesObject(string? Name = null, string? Namespace = null, string? TargetApiVersion = null, string? TargetKind = null, string? TargetName = null);

/// <summary>
/// How a query reaches its Prometheus, as a KEDA prometheus trigger states it. What the scaler's Prometheus client
/// can do (server, headers, TLS check, timeout) it applies; the rest (Thanos namespace, query parameters, a
/// TriggerAuthentication) is kept so an export writes it back.
/// </summary>
public sealed record PrometheusConnection
{
    /// <summary>serverAddress: the Prometheus base URL.</summary>
    public string? ServerAddress { get; init; }

    /// <summary>namespace: sent as the <c>namespace</c> query parameter (Thanos Querier, multi-tenant proxies).</summary>
    public string? Namespace { get; init; }

    /// <summary>customHeaders: headers sent with every query.</summary>
    public IReadOnlyDictionary<string, string> CustomHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>queryParameters: extra URL query parameters.</summary>
    public IReadOnlyDictionary<string, string> QueryParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>unsafeSsl: skip the server certificate check.</summary>
    public bool? UnsafeSsl { get; init; }

    /// <summary>timeout: per query.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>authModes: bearer, basic, tls, custom, apiKey or oauth (comma-separated), with the secrets in <see cref="AuthenticationRef"/>.</summary>
    public string? AuthModes { get; init; }

    /// <summary>The trigger's authenticationRef: the (Cluster)TriggerAuthentication holding the credentials.</summary>
    public AuthenticationRef? AuthenticationRef { get; init; }

    /// <summary>True when nothing is set.</summary>
    public bool IsEmpty => ServerAddress is null && Namespace is null && CustomHeaders.Count == 0 && QueryParameters.Count == 0
        && UnsafeSsl is null && Timeout is null && AuthModes is null && AuthenticationRef is null;

    /// <inheritdoc />
    public bool Equals(PrometheusConnection? other) =>
        other is not null && ServerAddress == other.ServerAddress && Namespace == other.Namespace && UnsafeSsl == other.UnsafeSsl
        && Timeout == other.Timeout && AuthModes == other.AuthModes && AuthenticationRef == other.AuthenticationRef
        && Same(CustomHeaders, other.CustomHeaders) && Same(QueryParameters, other.QueryParameters);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ServerAddress, Namespace, UnsafeSsl, Timeout, AuthModes, AuthenticationRef, CustomHeaders.Count, QueryParameters.Count);

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}

/// <summary>A KEDA trigger's reference to the object holding its credentials.</summary>
/// <param name="Name">The object's name.</param>
/// <param name="Kind">TriggerAuthentication (the default) or ClusterTriggerAuthentication.</param>
public sealed record AuthenticationRef(string Name, string? Kind = null);
