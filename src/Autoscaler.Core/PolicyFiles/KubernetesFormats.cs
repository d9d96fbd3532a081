using System.Globalization;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>How an export names the object: what <c>autoscaler export</c>'s flags say, over what the policy was read from.</summary>
/// <param name="Name">The object's name and the name of the Deployment it scales; null: the policy's own, else <see cref="KubernetesFormats.DefaultName"/>.</param>
/// <param name="PrometheusUrl">KEDA: every trigger's serverAddress; null: each metric's own, else <see cref="KedaFormat.DefaultServerAddress"/>.</param>
public sealed record ExportOptions(string? Name = null, string? PrometheusUrl = null);

/// <summary>What the HorizontalPodAutoscaler and KEDA formats share: object metadata, what an export cannot carry.</summary>
public static class KubernetesFormats
{
    /// <summary>The object and workload name when neither the flags nor the policy give one.</summary>
    public const string DefaultName = "webapp";

    /// <summary><paramref name="policy"/> as a HorizontalPodAutoscaler (<c>hpa</c>) or a ScaledObject (<c>keda</c>), as <c>autoscaler export</c> writes it.</summary>
    /// <exception cref="PolicyFileException">The policy has a rule the format cannot express.</exception>
    public static string Write(PolicySpec policy, string format, ExportOptions? options = null) => format switch
    {
        "hpa" => HpaFormat.Write(policy, options),
        "keda" => KedaFormat.Write(policy, options),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "hpa or keda"),
    };

    // ObjectMeta fields a live object (kubectl get -o yaml) carries that say nothing about scaling.
    private static readonly string[] LiveMetadata =
    [
        "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "managedFields", "ownerReferences", "finalizers", "selfLink", "generateName", "labels",
    ];

    /// <summary>
    /// Reads <c>metadata</c> (name, namespace; annotations returned) and ignores what a live object carries
    /// (<c>status</c>, <c>uid</c>, <c>managedFields</c>, kubectl's last-applied annotation…); an unknown metadata
    /// field is still an error.
    /// </summary>
    internal static (string? Name, string? Namespace, Dictionary<string, string> Annotations) ReadMetadata(YamlFields root)
    {
        root.Ignore("status");
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Mapping("metadata") is not { } metadata)
        {
            return (null, null, annotations);
        }

        var name = metadata.String("name");
        var ns = metadata.String("namespace");
        annotations = metadata.Dictionary("annotations") ?? annotations;
        metadata.Ignore(LiveMetadata);
        metadata.RejectUnknown();
        return (name, ns, annotations);
    }

    /// <summary>Reads <c>spec.scaleTargetRef</c> into the object's identity.</summary>
    internal static KubernetesObject ReadTarget(YamlFields spec, string? name, string? ns, params string[] ignored)
    {
        var target = spec.Mapping("scaleTargetRef");
        target?.Ignore(ignored);
        var result = new KubernetesObject(name, ns, target?.String("apiVersion"), target?.String("kind"), target?.String("name"));
        target?.RejectUnknown();
        return result;
    }

    /// <summary>The object's name, namespace and target for an export.</summary>
    internal static KubernetesObject Identity(PolicySpec spec, ExportOptions options)
    {
        var k = spec.Kubernetes ?? new KubernetesObject();
        return options.Name is { } name
            ? k with { Name = name, TargetName = name }
            : k with { Name = k.Name ?? k.TargetName ?? DefaultName, TargetName = k.TargetName ?? k.Name ?? DefaultName };
    }

    /// <summary>The target rule of every metric, or the reason the format cannot take the policy.</summary>
    internal static IReadOnlyList<(MetricSpec Metric, TargetPolicyOptions Target)> Targets(PolicySpec spec, string format) =>
        spec.Formula is { } formula
            ? throw new PolicyFileException("", $"the formula '{formula.Expression}' combining the metrics has no equivalent in {format}; KEDA's scalingModifiers has one: export keda")
            : [.. spec.Metrics.Select(m => (m, m.Target ?? throw NotExportable(m, format)))];

    /// <summary>
    /// The per-direction tolerances to write (Kubernetes 1.33+ <c>behavior.scaleUp/scaleDown.tolerance</c>): null for a
    /// direction at HPA's default; the first metric's when metrics differ (<see cref="Unexpressed"/> says so).
    /// </summary>
    internal static (double? Up, double? Down) Tolerances(PolicySpec spec)
    {
        var first = spec.Metrics.Select(m => m.Target).FirstOrDefault(t => t is not null);
        if (first is null)
        {
            return (null, null);
        }

        var up = first.EffectiveScaleUpTolerance;
        var down = first.EffectiveScaleDownTolerance;
        return (up == TargetPolicyOptions.DefaultTolerance ? null : up, down == TargetPolicyOptions.DefaultTolerance ? null : down);
    }

    /// <summary>
    /// What of <paramref name="spec"/> the target format (<c>hpa</c> or <c>keda</c>) cannot express, one phrase each,
    /// so an export can warn instead of silently dropping it.
    /// </summary>
    public static IReadOnlyList<string> Unexpressed(PolicySpec spec, string format)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var lost = new List<string>();
        var behavior = spec.EffectiveBehavior;
        foreach (var (rules, direction) in new[] { (behavior.ScaleUp, "scaleUp"), (behavior.ScaleDown, "scaleDown") })
        {
            if (rules.Cooldown > TimeSpan.Zero)
            {
                lost.Add($"behavior.{direction}.cooldown ({Durations.Format(rules.Cooldown)}): neither HPA nor KEDA has cooldowns; a stabilization window is the nearest equivalent");
            }
        }

        var tolerances = spec.Metrics.Where(m => m.Target is not null).Select(m => (m.Target!.EffectiveScaleUpTolerance, m.Target.EffectiveScaleDownTolerance)).Distinct().ToList();
        if (tolerances.Count > 1)
        {
            lost.Add($"per-metric tolerances: a {(format == "hpa" ? "HorizontalPodAutoscaler" : "ScaledObject")} has one tolerance per direction for all metrics; the first metric's is written");
        }

        var fallbacks = spec.Metrics.Where(m => m.OnFailure.FallbackAfter is not null).ToList();
        var activations = spec.Metrics.Where(m => m.ActivationThreshold is not null).ToList();
        if (format == "hpa")
        {
            lost.AddRange(fallbacks.Select(m => $"metric '{m.Name}' fallback: a HorizontalPodAutoscaler holds the count while a metric fails; use KEDA for a fallback"));
            lost.AddRange(spec.Metrics.Where(m => m.OnFailure.IgnoreNullValues).Select(m => $"metric '{m.Name}' ignoreNullValues: a HorizontalPodAutoscaler treats an empty result as a failure"));
            if (activations.Count > 0 && spec.MinReplicas == 0)
            {
                lost.Add("activation thresholds and scaling to zero: a HorizontalPodAutoscaler has neither (use KEDA)");
            }

            if (spec.MinReplicas == 0)
            {
                lost.Add("minReplicas 0: a HorizontalPodAutoscaler takes it only with the alpha HPAScaleToZero feature gate; 1 is written");
            }

            if (spec.CheckInterval is { } interval)
            {
                lost.Add($"checkInterval ({Durations.Format(interval)}): the HPA's sync period is the controller manager's --horizontal-pod-autoscaler-sync-period, not per object");
            }

            lost.AddRange(spec.Metrics.Where(m => m.Prometheus is { IsEmpty: false }).Select(m =>
                $"metric '{m.Name}' prometheus (serverAddress, headers, authentication): a HorizontalPodAutoscaler reads External metrics through the cluster's metrics adapter, which has its own connection"));
        }
        else if (fallbacks.Select(m => (m.OnFailure.FallbackAfter, m.OnFailure.FallbackReplicas)).Distinct().Count() > 1)
        {
            lost.Add("per-metric fallbacks: a ScaledObject has one fallback for all triggers; the first metric's is written");
        }

        if (format == "hpa")
        {
            if (spec.PausedReplicas is not null || spec.Paused)
            {
                lost.Add("the pause: a HorizontalPodAutoscaler cannot be paused (KEDA's autoscaling.keda.sh/paused-replicas can: export keda)");
            }

            lost.AddRange(spec.Schedules.Select(w => $"schedule '{w.Name}': a HorizontalPodAutoscaler has no schedules (KEDA's cron trigger can raise the minimum in a window: export keda)"));
        }
        else
        {
            var crons = KedaFormat.Crons(spec).ToHashSet();
            foreach (var w in spec.Schedules.Where(w => !crons.Contains(w)))
            {
                lost.Add($"schedule '{w.Name}': {(spec.Formula is not null ? "under scalingModifiers a cron trigger would have to be named in the formula" : w.End is null ? "a KEDA cron trigger needs an end expression, not a duration" : "a KEDA cron trigger can only raise the minimum")}; the window is not written");
            }

            lost.AddRange(KedaFormat.Crons(spec).Where(w => w.MaxReplicas is not null).Select(w =>
                $"schedule '{w.Name}' maxReplicas {w.MaxReplicas}: a KEDA cron trigger can only raise the minimum; its minReplicas is written as desiredReplicas"));
        }

        return lost;
    }

    internal static PolicyFileException NotExportable(MetricSpec m, string format)
    {
        var hint = m.Predictive is { } p
            ? $" (it forecasts; its reactive half alone would be target: {{value: {p.Target.ToString("R", CultureInfo.InvariantCulture)}, type: AverageValue}})"
            : m.Slo is { } o ? SloHint(o)
            : "";
        return new PolicyFileException("", $"metric '{m.Name}' uses the {m.Rule} rule, which {format} cannot express; only target rules can be exported{hint}");
    }

    private static string SloHint(SloPolicyOptions o)
    {
        const string lost = "without its forecast, learning, latency feedback or headroom";
        var safe = o.SafeRate ?? (o is { Workers: { } w, ServiceTime: { } s }
            ? new ReplicaQueue(w, s.TotalSeconds, o.Distribution, o.QueueLimit).MaxUtilizationWithin(o.Level) * w / s.TotalSeconds
            : double.NaN);
        return double.IsFinite(safe) && safe > 0
            ? $" (it sizes for a service level; the closest target rule is target: {{value: {Math.Floor(safe * 10) / 10:0.#}, type: AverageValue}} on the same query, the safe rate per replica of the declared capacity, {lost})"
            : $" (it sizes for a service level with a learnt capacity; the closest target rule is target: {{value: V, type: AverageValue}} on the same query, V the requests per second one replica takes within the SLO, {lost})";
    }
}
