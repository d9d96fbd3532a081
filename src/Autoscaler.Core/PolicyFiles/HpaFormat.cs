using Autoscaler.Core.Behavior;
using Autoscaler.Core.Policies;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// A Kubernetes HorizontalPodAutoscaler (autoscaling/v2), read as a policy of target rules and written back with
/// KubernetesClient's own model and YAML serialiser, so what is written is what the API server takes.
/// </summary>
public static class HpaFormat
{
    /// <summary>Annotation prefix that gives a HPA metric its PromQL query: <c>autoscaler.dev/query.METRIC: PROMQL</c>.</summary>
    public const string QueryAnnotation = "autoscaler.dev/query.";

    /// <summary>HPA's default <c>minReplicas</c>.</summary>
    public const int DefaultMinReplicas = 1;

    /// <summary>Maps a HorizontalPodAutoscaler document (a live one too) onto a spec.</summary>
    internal static PolicySpec Read(YamlFields root, IReadOnlyDictionary<string, string> queries)
    {
        var apiVersion = root.String("apiVersion");
        if (apiVersion != "autoscaling/v2")
        {
            root.Problem(root.Find("apiVersion") ?? root.Node, "apiVersion", $"'{apiVersion}' is not autoscaling/v2");
        }

        var (name, ns, annotations) = KubernetesFormats.ReadMetadata(root);
        var spec = new PolicySpec { MinReplicas = DefaultMinReplicas, Behavior = ScalingBehavior.HpaDefaults };
        var s = root.Mapping("spec", required: true);
        if (s is null)
        {
            root.Context.Failed.Add(nameof(PolicySpec.Metrics));
            root.RejectUnknown();
            return spec;
        }

        spec.Kubernetes = KubernetesFormats.ReadTarget(s, name, ns);
        spec.MinReplicas = s.Integer("minReplicas", to: nameof(PolicySpec.MinReplicas)) ?? spec.MinReplicas;
        spec.MaxReplicas = s.Integer("maxReplicas", required: true, to: nameof(PolicySpec.MaxReplicas)) ?? spec.MaxReplicas;
        foreach (var m in s.MappingList("metrics", required: true, to: nameof(PolicySpec.Metrics), max: PolicySpec.MetricsBound("metrics")))
        {
            if (ReadMetric(m.For($"Metrics[{spec.Metrics.Count}]"), annotations, queries) is { } metric)
            {
                spec.Metrics.Add(metric);
            }
        }

        if (s.Mapping("behavior")?.For(nameof(PolicySpec.Behavior)) is { } b)
        {
            var (behavior, up, down) = PolicyFile.ReadBehavior(b, ScalingBehavior.HpaDefaults, cooldowns: false);
            spec.Behavior = behavior;
            ApplyTolerances(spec, b, up, down);
        }

        s.RejectUnknown();
        root.RejectUnknown();
        return spec;
    }

    /// <summary>HPA's per-direction tolerance applies to every metric; each target rule takes it, on the tolerance's line.</summary>
    internal static void ApplyTolerances(PolicySpec spec, YamlFields behavior, double? up, double? down)
    {
        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            if (spec.Metrics[i].Target is not { } target)
            {
                continue;
            }

            target.ScaleUpTolerance = up ?? target.ScaleUpTolerance;
            target.ScaleDownTolerance = down ?? target.ScaleDownTolerance;
            foreach (var (direction, property) in new[] { ("scaleUp", nameof(TargetPolicyOptions.ScaleUpTolerance)), ("scaleDown", nameof(TargetPolicyOptions.ScaleDownTolerance)) })
            {
                // Record where the tolerance was written, so a rule it breaks is reported on its line.
                if (behavior.Mapping(direction) is { } rules && rules.Has("tolerance"))
                {
                    rules.For($"Metrics[{i}].Target").String("tolerance", to: property);
                }
            }
        }
    }

    private static MetricSpec? ReadMetric(YamlFields m, Dictionary<string, string> annotations, IReadOnlyDictionary<string, string> queries)
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

        m.Ignore("resource", "containerResource");
        m.RejectUnknown();
        if (body is null)
        {
            return null;
        }

        var metricFields = body.Mapping("metric", required: true);
        var name = metricFields?.String("name", required: true, to: nameof(MetricSpec.Name)) ?? "";
        metricFields?.Ignore("selector");
        metricFields?.RejectUnknown();
        body.Ignore("describedObject");
        var target = body.Mapping("target", required: true)?.For($"{body.Property}.{nameof(MetricSpec.Target)}");
        var targetType = target?.String("type", required: true);
        var valueKey = targetType == "Value" ? "value" : "averageValue";
        var quantity = targetType is "Value" or "AverageValue" ? target!.String(valueKey, required: true, to: nameof(TargetPolicyOptions.Target)) : null;
        if (targetType is "Utilization")
        {
            target!.Problem(target.Find("type")!, "type", "Utilization needs resource requests; use Value or AverageValue");
        }
        else if (targetType is not null and not ("Value" or "AverageValue"))
        {
            target!.Problem(target.Find("type")!, "type", $"'{targetType}' is not Value or AverageValue");
        }

        target?.RejectUnknown();
        body.RejectUnknown();
        var query = annotations.GetValueOrDefault(QueryAnnotation + name) ?? queries.GetValueOrDefault(name);
        if (query is null)
        {
            m.Problem(m.Node, "metric", $"no PromQL for '{name}': add the annotation {QueryAnnotation}{name} or map it with --queries");
        }

        var options = new TargetPolicyOptions { Type = targetType == "Value" ? TargetType.Value : TargetType.AverageValue };
        if (quantity is not null)
        {
            if (Quantities.TryParse(quantity, out var value))
            {
                options.Target = value;
            }
            else
            {
                target!.Problem(target.Find(valueKey)!, valueKey, $"'{quantity}' is not a quantity (e.g. 30, 300m, 1.5k)");
            }
        }

        return new MetricSpec { Name = name, Query = query ?? "", Target = options };
    }

    /// <summary>Writes <paramref name="spec"/> as a HorizontalPodAutoscaler: External metrics, the queries in annotations.</summary>
    /// <exception cref="PolicyFileException">A metric's rule has no HPA equivalent (only target rules do).</exception>
    public static string Write(PolicySpec spec, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var identity = KubernetesFormats.Identity(spec, options ?? new ExportOptions());
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        var metrics = new List<V2MetricSpec>();
        foreach (var (m, target) in KubernetesFormats.Targets(spec, "a HorizontalPodAutoscaler"))
        {
            annotations[QueryAnnotation + m.Name] = m.Query;
            var quantity = new ResourceQuantity(Quantities.Format(target.Target));
            metrics.Add(new V2MetricSpec
            {
                Type = "External",
                External = new V2ExternalMetricSource
                {
                    Metric = new V2MetricIdentifier { Name = m.Name },
                    Target = target.Type == TargetType.Value
                        ? new V2MetricTarget { Type = "Value", Value = quantity }
                        : new V2MetricTarget { Type = "AverageValue", AverageValue = quantity },
                },
            });
        }

        var hpa = new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = identity.Name, NamespaceProperty = identity.Namespace, Annotations = annotations },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference
                {
                    ApiVersion = identity.TargetApiVersion ?? "apps/v1",
                    Kind = identity.TargetKind ?? "Deployment",
                    Name = identity.TargetName,
                },
                // 0 needs the alpha HPAScaleToZero feature gate; the API server refuses it otherwise (Unexpressed says so).
                MinReplicas = Math.Max(1, spec.MinReplicas),
                MaxReplicas = spec.MaxReplicas,
                Metrics = metrics,
                Behavior = Behavior(spec.EffectiveBehavior, KubernetesFormats.Tolerances(spec)),
            },
        };
        return QuoteQuantities(KubernetesYaml.Serialize(hpa));
    }

    /// <summary>
    /// KubernetesYaml writes a quantity such as 30 as a plain scalar, which YAML reads as a number; the OpenAPI declares
    /// quantities strings, so they are quoted where they would not read back as one.
    /// </summary>
    private static string QuoteQuantities(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Visit(stream.Documents[0].RootNode);
        return YamlFields.Save(stream.Documents[0].RootNode);

        static void Visit(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    var isTarget = mapping.Children.TryGetValue(new YamlScalarNode("type"), out var type) && type is YamlScalarNode { Value: "Value" or "AverageValue" };
                    foreach (var (key, value) in mapping.Children)
                    {
                        if (key is YamlScalarNode { Value: "averageValue" or "tolerance" or "value" } k && (k.Value != "value" || isTarget)
                            && value is YamlScalarNode { Value: { } text } scalar && YamlFields.LooksTyped(text))
                        {
                            scalar.Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted;
                        }

                        Visit(value);
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var child in sequence.Children)
                    {
                        Visit(child);
                    }

                    break;
            }
        }
    }

    private static V2HorizontalPodAutoscalerBehavior Behavior(ScalingBehavior behavior, (double? Up, double? Down) tolerance) => new()
    {
        ScaleUp = Rules(behavior.ScaleUp, tolerance.Up),
        ScaleDown = Rules(behavior.ScaleDown, tolerance.Down),
    };

    private static V2HPAScalingRules Rules(ScalingRules rules, double? tolerance) => new()
    {
        StabilizationWindowSeconds = rules.StabilizationWindowSeconds,
        SelectPolicy = rules.SelectPolicy.ToString(),
        Policies = [.. rules.Policies.Select(p => new V2HPAScalingPolicy { Type = p.Type.ToString(), Value = p.Value, PeriodSeconds = p.PeriodSeconds })],
        Tolerance = tolerance is { } t ? new ResourceQuantity(Quantities.Format(t)) : null,
    };
}
