using System.Globalization;
using Autoscaler.Core.Behavior;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.Time;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// The two formats users already have, read as policies and written back: a Kubernetes
/// HorizontalPodAutoscaler (autoscaling/v2) and a KEDA ScaledObject with prometheus triggers.
/// </summary>
public static class KubernetesFormats
{
    /// <summary>Annotation prefix that gives a HPA metric its PromQL query: <c>autoscaler.dev/query.METRIC: PROMQL</c>.</summary>
    public const string QueryAnnotation = "autoscaler.dev/query.";

    /// <summary>Reads a policy from a file in any supported format (native, HPA, KEDA), told apart by <c>kind</c>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="queries">For a HPA: metric name to PromQL, used where the annotation is missing.</param>
    public static PolicySpec Load(string path, IReadOnlyDictionary<string, string>? queries = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException([$"{path}: cannot read the policy file: {e.Message}"]);
        }

        return Parse(text, path, queries);
    }

    /// <summary>Reads a side mapping of metric names to PromQL (a YAML mapping), for HorizontalPodAutoscalers without query annotations.</summary>
    public static IReadOnlyDictionary<string, string> LoadQueries(string path)
    {
        var problems = new List<string>();
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException([$"{path}: cannot read the query mapping: {e.Message}"]);
        }

        var root = YamlFields.Root(path, text, problems);
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ((YamlMappingNode)root.Node).Children)
        {
            if (key is YamlScalarNode { Value: { } name } && value is YamlScalarNode { Value: { } query })
            {
                queries[name] = query;
            }
            else
            {
                root.Problem(key, key.ToString(), "must map a metric name to a PromQL query");
            }
        }

        return problems.Count == 0 ? queries : throw new PolicyFileException(problems);
    }

    /// <summary>Reads a policy from text in any supported format.</summary>
    public static PolicySpec Parse(string text, string source = "policy", IReadOnlyDictionary<string, string>? queries = null)
    {
        var problems = new List<string>();
        var root = YamlFields.Root(source, text, problems);
        var kind = root.String("kind");
        var spec = kind switch
        {
            null => null,
            "HorizontalPodAutoscaler" => ReadHpa(root, queries ?? new Dictionary<string, string>()),
            "ScaledObject" => ReadKeda(root),
            _ => Fail(root, $"'{kind}' is not HorizontalPodAutoscaler or ScaledObject"),
        };
        if (spec is null && kind is null)
        {
            return PolicyFile.Parse(text, source);
        }

        return problems.Count == 0 ? spec! : throw new PolicyFileException(problems);

        PolicySpec? Fail(YamlFields r, string message)
        {
            r.Problem(r.Find("kind")!, "kind", message);
            return null;
        }
    }

    private static PolicySpec ReadHpa(YamlFields root, IReadOnlyDictionary<string, string> queries)
    {
        var apiVersion = root.String("apiVersion");
        if (apiVersion != "autoscaling/v2")
        {
            root.Problem(root.Find("apiVersion") ?? root.Node, "apiVersion", $"'{apiVersion}' is not autoscaling/v2");
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Mapping("metadata") is { } metadata)
        {
            metadata.String("name");
            metadata.Mapping("labels");
            if (metadata.Find("annotations") is YamlMappingNode a)
            {
                foreach (var (k, v) in a.Children)
                {
                    if (k is YamlScalarNode { Value: { } key } && v is YamlScalarNode { Value: { } value })
                    {
                        annotations[key] = value;
                    }
                }
            }

            metadata.String("namespace");
            metadata.RejectUnknown();
        }

        var spec = new PolicySpec();
        var s = root.Mapping("spec", required: true);
        if (s is null)
        {
            return spec;
        }

        s.Mapping("scaleTargetRef");
        spec.MinReplicas = s.Integer("minReplicas", 0, 10_000) ?? 1;
        spec.MaxReplicas = s.Integer("maxReplicas", 1, 10_000, required: true) ?? 1;
        foreach (var m in s.MappingList("metrics", required: true))
        {
            var type = m.String("type", required: true);
            var body = type switch
            {
                "External" => m.Mapping("external", required: true),
                "Object" => m.Mapping("object", required: true),
                "Pods" => m.Mapping("pods", required: true),
                _ => null,
            };
            if (type is not null and not ("External" or "Object" or "Pods"))
            {
                m.Problem(m.Find("type")!, "type", $"'{type}' metrics cannot be read from Prometheus here; use External, Object or Pods");
            }

            if (body is null)
            {
                continue;
            }

            var metricFields = body.Mapping("metric", required: true);
            var name = metricFields?.String("name", required: true) ?? "";
            metricFields?.Mapping("selector");
            metricFields?.RejectUnknown();
            body.Mapping("describedObject");
            var target = body.Mapping("target", required: true);
            var targetType = target?.String("type", required: true);
            var quantity = targetType switch
            {
                "Value" => target!.String("value", required: true),
                "AverageValue" => target!.String("averageValue", required: true),
                null => null,
                _ => null,
            };
            if (targetType is "Utilization")
            {
                target!.Problem(target.Find("type")!, "type", "Utilization needs resource requests; use Value or AverageValue");
            }

            target?.RejectUnknown();
            body.RejectUnknown();
            var query = annotations.GetValueOrDefault(QueryAnnotation + name) ?? queries.GetValueOrDefault(name);
            if (query is null)
            {
                m.Problem(m.Node, "metric", $"no PromQL for '{name}': add the annotation {QueryAnnotation}{name} or map it with --queries");
            }

            double value = 1;
            if (quantity is not null && (!Quantities.TryParse(quantity, out value) || value <= 0))
            {
                target!.Problem(target.Node, targetType == "Value" ? "value" : "averageValue", $"'{quantity}' is not a positive quantity");
            }

            spec.Metrics.Add(new MetricSpec
            {
                Name = name,
                Query = query ?? "",
                Target = new TargetPolicyOptions { Target = value, Type = targetType == "Value" ? TargetType.Value : TargetType.AverageValue },
            });
            m.RejectUnknown();
        }

        spec.Behavior = s.Mapping("behavior") is { } b ? PolicyFile.ReadBehavior(b, ScalingBehavior.HpaDefaults, cooldowns: false) : ScalingBehavior.HpaDefaults;
        s.RejectUnknown();
        root.RejectUnknown();
        return spec;
    }

    private static PolicySpec ReadKeda(YamlFields root)
    {
        root.String("apiVersion");
        root.Mapping("metadata");
        var spec = new PolicySpec();
        var s = root.Mapping("spec", required: true);
        if (s is null)
        {
            return spec;
        }

        s.Mapping("scaleTargetRef");
        spec.MinReplicas = s.Integer("minReplicaCount", 0, 10_000) ?? 0;
        spec.MaxReplicas = s.Integer("maxReplicaCount", 1, 10_000) ?? 100;
        spec.CheckInterval = TimeSpan.FromSeconds(s.Integer("pollingInterval", 1, 86_400) ?? 30);
        var cooldownPeriod = s.Integer("cooldownPeriod", 0, 86_400);
        int? fallbackAfter = null;
        var fallbackReplicas = 0;
        if (s.Mapping("fallback") is { } f)
        {
            fallbackAfter = f.Integer("failureThreshold", 1, 1000, required: true);
            fallbackReplicas = f.Integer("replicas", 0, 10_000, required: true) ?? 0;
            f.RejectUnknown();
        }

        var behavior = ScalingBehavior.HpaDefaults;
        if (s.Mapping("advanced") is { } advanced)
        {
            if (advanced.Mapping("horizontalPodAutoscalerConfig") is { } hpa)
            {
                if (hpa.Mapping("behavior") is { } b)
                {
                    behavior = PolicyFile.ReadBehavior(b, ScalingBehavior.HpaDefaults, cooldowns: false);
                }

                hpa.String("name");
                hpa.RejectUnknown();
            }

            advanced.Boolean("restoreToOriginalReplicaCount");
            advanced.RejectUnknown();
        }

        // KEDA's cooldownPeriod: how long after the last active trigger it scales to zero (only with minReplicaCount 0).
        spec.ScaleToZeroAfter = cooldownPeriod is { } cp ? TimeSpan.FromSeconds(cp) : DecisionPipeline.DefaultScaleToZeroAfter;

        spec.Behavior = behavior;
        var triggers = s.MappingList("triggers", required: true);
        for (var i = 0; i < triggers.Count; i++)
        {
            var t = triggers[i];
            var type = t.String("type", required: true);
            if (type is not null and not "prometheus")
            {
                t.Problem(t.Find("type")!, "type", $"'{type}' triggers are not supported; only prometheus");
            }

            var metricType = t.Enum<TargetType>("metricType") ?? TargetType.AverageValue;
            var name = t.String("name") ?? (triggers.Count == 1 ? "prometheus" : $"prometheus_{i}");
            var md = t.Mapping("metadata", required: true);
            t.RejectUnknown();
            if (md is null)
            {
                continue;
            }

            md.String("serverAddress");
            var activationText = md.String("activationThreshold");
            double activation = 0;
            if (activationText is not null && (!Quantities.TryParse(activationText, out activation) || activation < 0))
            {
                md.Problem(md.Find("activationThreshold")!, "activationThreshold", $"'{activationText}' is not a number ≥ 0");
            }
            md.String("namespace");
            md.String("metricName");
            var query = md.String("query", required: true) ?? "";
            var thresholdText = md.String("threshold", required: true);
            double threshold = 1;
            if (thresholdText is not null && (!Quantities.TryParse(thresholdText, out threshold) || threshold <= 0))
            {
                md.Problem(md.Find("threshold")!, "threshold", $"'{thresholdText}' is not a positive number");
            }

            var ignoreNull = md.String("ignoreNullValues");
            md.RejectUnknown();
            spec.Metrics.Add(new MetricSpec
            {
                Name = name,
                Query = query,
                Target = new TargetPolicyOptions { Target = threshold, Type = metricType },

                // KEDA's default is to treat an empty result as 0.
                OnFailure = new MetricFailureHandling(fallbackAfter, fallbackReplicas, ignoreNull is null || !string.Equals(ignoreNull, "false", StringComparison.OrdinalIgnoreCase)),

                // Every KEDA trigger has an activation threshold (default 0); it matters only with minReplicaCount 0.
                ActivationThreshold = activation,
            });
        }

        root.RejectUnknown();
        return spec;
    }

    /// <summary>
    /// What of <paramref name="spec"/> the target format (<c>hpa</c> or <c>keda</c>) cannot express, one phrase each,
    /// so an export can warn instead of silently dropping it.
    /// </summary>
    public static IReadOnlyList<string> Unexpressed(PolicySpec spec, string format)
    {
        var lost = new List<string>();
        var behavior = spec.EffectiveBehavior;
        foreach (var (rules, direction) in new[] { (behavior.ScaleUp, "scaleUp"), (behavior.ScaleDown, "scaleDown") })
        {
            if (rules.Cooldown > TimeSpan.Zero)
            {
                lost.Add($"behavior.{direction}.cooldown ({Durations.Format(rules.Cooldown)}): neither HPA nor KEDA has cooldowns; a stabilization window is the nearest equivalent");
            }
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

            if (spec.CheckInterval is { } interval)
            {
                lost.Add($"checkInterval ({Durations.Format(interval)}): the HPA's sync period is the controller manager's --horizontal-pod-autoscaler-sync-period, not per object");
            }
        }
        else if (fallbacks.Select(m => (m.OnFailure.FallbackAfter, m.OnFailure.FallbackReplicas)).Distinct().Count() > 1)
        {
            lost.Add("per-metric fallbacks: a ScaledObject has one fallback for all triggers; the first metric's is written");
        }

        return lost;
    }

    /// <summary>Writes <paramref name="spec"/> as a HorizontalPodAutoscaler (External metrics, queries in annotations).</summary>
    public static string WriteHpa(PolicySpec spec, string name = "webapp")
    {
        var annotations = new YamlMappingNode();
        var metrics = new YamlSequenceNode();
        foreach (var m in spec.Metrics)
        {
            var target = m.Target ?? throw NotExportable(m, "a HorizontalPodAutoscaler");
            annotations.Add(QueryAnnotation + m.Name, m.Query);
            metrics.Add(new YamlMappingNode
            {
                { "type", "External" },
                {
                    "external", new YamlMappingNode
                    {
                        { "metric", new YamlMappingNode { { "name", m.Name } } },
                        {
                            "target", target.Type == TargetType.Value
                                ? new YamlMappingNode { { "type", "Value" }, { "value", Quantities.Format(target.Target) } }
                                : new YamlMappingNode { { "type", "AverageValue" }, { "averageValue", Quantities.Format(target.Target) } }
                        },
                    }
                },
            });
        }

        var root = new YamlMappingNode
        {
            { "apiVersion", "autoscaling/v2" },
            { "kind", "HorizontalPodAutoscaler" },
            { "metadata", new YamlMappingNode { { "name", name }, { "annotations", annotations } } },
            {
                "spec", new YamlMappingNode
                {
                    { "scaleTargetRef", new YamlMappingNode { { "apiVersion", "apps/v1" }, { "kind", "Deployment" }, { "name", name } } },
                    { "minReplicas", Int(spec.MinReplicas) },
                    { "maxReplicas", Int(spec.MaxReplicas) },
                    { "metrics", metrics },
                    { "behavior", Behavior(spec.EffectiveBehavior) },
                }
            },
        };
        return YamlFields.Save(root);
    }

    /// <summary>Writes <paramref name="spec"/> as a KEDA ScaledObject with one prometheus trigger per metric.</summary>
    public static string WriteKeda(PolicySpec spec, string prometheusUrl, string name = "webapp")
    {
        var triggers = new YamlSequenceNode();
        foreach (var m in spec.Metrics)
        {
            var target = m.Target ?? throw NotExportable(m, "KEDA");
            triggers.Add(new YamlMappingNode
            {
                { "type", "prometheus" },
                { "name", m.Name },
                { "metricType", target.Type.ToString() },
                {
                    "metadata", new YamlMappingNode
                    {
                        { "serverAddress", prometheusUrl },
                        { "query", m.Query },
                        { "threshold", target.Target.ToString("R", CultureInfo.InvariantCulture) },
                        { "ignoreNullValues", m.OnFailure.IgnoreNullValues ? "true" : "false" },
                        { "activationThreshold", (m.ActivationThreshold ?? 0).ToString("R", CultureInfo.InvariantCulture) },
                    }
                },
            });
        }

        var behavior = spec.EffectiveBehavior;
        var s = new YamlMappingNode
        {
            { "scaleTargetRef", new YamlMappingNode { { "name", name } } },
            { "pollingInterval", Int((int)(spec.CheckInterval ?? TimeSpan.FromSeconds(30)).TotalSeconds) },
            { "cooldownPeriod", Int((int)spec.ScaleToZeroAfter.TotalSeconds) },
            { "minReplicaCount", Int(spec.MinReplicas) },
            { "maxReplicaCount", Int(spec.MaxReplicas) },
        };
        var fallback = spec.Metrics.Select(m => m.OnFailure).FirstOrDefault(f => f.FallbackAfter is not null);
        if (fallback is not null)
        {
            s.Add("fallback", new YamlMappingNode { { "failureThreshold", Int(fallback.FallbackAfter!.Value) }, { "replicas", Int(fallback.FallbackReplicas) } });
        }

        var hpaBehavior = Behavior(behavior);
        s.Add("advanced", new YamlMappingNode { { "horizontalPodAutoscalerConfig", new YamlMappingNode { { "behavior", hpaBehavior } } } });
        s.Add("triggers", triggers);
        var root = new YamlMappingNode
        {
            { "apiVersion", "keda.sh/v1alpha1" },
            { "kind", "ScaledObject" },
            { "metadata", new YamlMappingNode { { "name", name } } },
            { "spec", s },
        };
        return YamlFields.Save(root);
    }

    private static PolicyFileException NotExportable(MetricSpec m, string format)
    {
        var hint = m.Predictive is { } p
            ? $" (it forecasts; its reactive half alone would be target: {{value: {p.Target.ToString("R", CultureInfo.InvariantCulture)}, type: AverageValue}})"
            : m.Slo is { } o ? SloHint(o)
            : "";
        return new PolicyFileException([$"metric '{m.Name}' uses the {m.Rule} rule, which {format} cannot express; only target rules can be exported{hint}"]);
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

    private static YamlMappingNode Behavior(ScalingBehavior behavior) => PolicyFile.WriteBehavior(behavior, cooldowns: false);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
