using System.Globalization;
using Autoscaler.Core.Behavior;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Policies.Slo;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Autoscaler.Core.Time;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// Our own policy format (YAML, no <c>kind</c>): its reader, which only maps fields to <see cref="PolicySpec"/> and
/// lines (the rules are checked once, by <see cref="PolicyRules"/>), and its writer. Files come in through
/// <see cref="PolicyFiles"/>.
/// </summary>
public static class PolicyFile
{
    /// <summary>Reads a policy of any format from text; the same as <see cref="PolicyFiles.Parse"/>.</summary>
    /// <exception cref="PolicyFileException">The text is not one valid policy; all problems are listed.</exception>
    public static PolicySpec Parse(string text, string source = "policy") => PolicyFiles.Parse(text, source);

    /// <summary>Maps a native policy document onto a spec.</summary>
    internal static PolicySpec Read(YamlFields root)
    {
        var spec = new PolicySpec();
        spec.MinReplicas = root.Integer("minReplicas", to: nameof(PolicySpec.MinReplicas)) ?? spec.MinReplicas;
        spec.MaxReplicas = root.Integer("maxReplicas", to: nameof(PolicySpec.MaxReplicas)) ?? spec.MaxReplicas;
        spec.CheckInterval = root.Duration("checkInterval", to: nameof(PolicySpec.CheckInterval));
        spec.ScaleToZeroAfter = root.Duration("scaleToZeroAfter", to: nameof(PolicySpec.ScaleToZeroAfter)) ?? spec.ScaleToZeroAfter;
        var metrics = root.MappingList("metrics", required: true, to: nameof(PolicySpec.Metrics), max: PolicySpec.MetricsBound("metrics"));
        var formula = root.Has("formula");
        foreach (var m in metrics)
        {
            spec.Metrics.Add(ReadMetric(m, formula));
        }

        if (root.Mapping("behavior", to: nameof(PolicySpec.Behavior)) is { } behavior)
        {
            // Here a direction or a rule list left out means no limit (unlike a HPA, where it means HPA's defaults).
            spec.Behavior = ReadBehavior(behavior, ScalingBehavior.None, cooldowns: true).Behavior;
        }

        if (root.Mapping("kubernetes") is { } k)
        {
            var target = k.Mapping("scaleTargetRef");
            spec.Kubernetes = new KubernetesObject(k.String("name"), k.String("namespace"), target?.String("apiVersion"), target?.String("kind"), target?.String("name"));
            target?.RejectUnknown();
            k.RejectUnknown();
        }

        PauseFields.Read(root, spec);
        ScheduleFields.Read(root, spec);
        FormulaFields.Read(root, spec);
        root.RejectUnknown();
        return spec;
    }

    private static MetricSpec ReadMetric(YamlFields m, bool formula)
    {
        var metric = new MetricSpec
        {
            Name = m.String("name", required: true, to: nameof(MetricSpec.Name)) ?? "",
            Query = m.String("query", to: nameof(MetricSpec.Query)) ?? "",
        };
        var kinds = new[] { "threshold", "target", "predictive", "slo", "fixed" }.Where(m.Has).ToList();
        if (formula)
        {
            // With a formula the metrics only feed it; a rule of their own is refused by the rules (FormulaFields.Check).
            FormulaFields.CheckInput(m);
        }
        else if (kinds.Count != 1)
        {
            m.Problem(m.Node, "threshold|target|predictive|slo|fixed", kinds.Count == 0 ? "say which policy: threshold, target, predictive, slo or fixed" : $"only one policy per metric, not {string.Join(" and ", kinds)}");
        }

        if (m.Mapping("threshold", to: nameof(MetricSpec.Threshold)) is { } t)
        {
            var options = new ThresholdPolicyOptions();
            options.ScaleUpThreshold = t.Number("up", required: true, to: nameof(options.ScaleUpThreshold)) ?? options.ScaleUpThreshold;
            options.ScaleDownThreshold = t.Number("down", required: true, to: nameof(options.ScaleDownThreshold)) ?? options.ScaleDownThreshold;
            options.Step = t.Integer("step", to: nameof(options.Step)) ?? options.Step;
            options.StepType = t.Enum<ThresholdStepType>("stepType", to: nameof(options.StepType)) ?? options.StepType;
            t.RejectUnknown();
            metric.Threshold = options;
        }

        if (m.Mapping("target", to: nameof(MetricSpec.Target)) is { } g)
        {
            metric.Target = ReadTarget(g);
        }

        if (m.Mapping("predictive", to: nameof(MetricSpec.Predictive)) is { } pr)
        {
            metric.Predictive = ReadPredictive(pr);
        }

        if (m.Mapping("slo", to: nameof(MetricSpec.Slo)) is { } slo)
        {
            metric.Slo = ReadSlo(slo);
        }

        metric.Fixed = m.Integer("fixed", to: nameof(MetricSpec.Fixed));
        var (fallbackAfter, fallbackReplicas) = ReadFallback(m);
        metric.OnFailure = new MetricFailureHandling(fallbackAfter, fallbackReplicas, m.Boolean("ignoreNullValues") ?? false);
        metric.ActivationThreshold = m.Number("activationThreshold", to: nameof(MetricSpec.ActivationThreshold));
        if (m.Mapping("prometheus") is { } p)
        {
            metric.Prometheus = ReadConnection(p);
        }

        m.RejectUnknown();
        return metric;
    }

    /// <summary>Reads a target rule: <c>{value, type, tolerance, scaleUpTolerance, scaleDownTolerance}</c>.</summary>
    internal static TargetPolicyOptions ReadTarget(YamlFields g)
    {
        var options = new TargetPolicyOptions();
        options.Target = g.Number("value", required: true, to: nameof(options.Target)) ?? options.Target;
        options.Type = g.Enum<TargetType>("type", to: nameof(options.Type)) ?? options.Type;
        options.Tolerance = g.Number("tolerance", to: nameof(options.Tolerance)) ?? options.Tolerance;
        options.ScaleUpTolerance = g.Number("scaleUpTolerance", to: nameof(options.ScaleUpTolerance));
        options.ScaleDownTolerance = g.Number("scaleDownTolerance", to: nameof(options.ScaleDownTolerance));
        g.RejectUnknown();
        return options;
    }

    /// <summary>Reads <c>onError</c> and <c>fallback</c>: after how many failures to propose how many replicas (null: hold).</summary>
    internal static (int? After, int Replicas) ReadFallback(YamlFields m)
    {
        var onError = m.String("onError");
        if (onError is not null and not "hold" and not "fallback")
        {
            m.Problem(m.Find("onError")!, "onError", $"'{onError}' is not hold or fallback");
        }

        int? fallbackAfter = null;
        var fallbackReplicas = 0;
        if (m.Mapping("fallback") is { } f)
        {
            fallbackAfter = f.Integer("failureThreshold", required: true, to: "OnFailure.FallbackAfter");
            fallbackReplicas = f.Integer("replicas", required: true, to: "OnFailure.FallbackReplicas") ?? 0;
            f.RejectUnknown();
        }
        else if (onError == "fallback")
        {
            m.Problem(m.Find("onError")!, "fallback", "onError: fallback needs fallback: {failureThreshold, replicas}");
        }

        return (onError == "hold" ? null : fallbackAfter, fallbackReplicas);
    }

    private static PrometheusConnection ReadConnection(YamlFields p)
    {
        var reference = p.Mapping("authenticationRef");
        var connection = new PrometheusConnection
        {
            ServerAddress = p.String("serverAddress"),
            Namespace = p.String("namespace"),
            CustomHeaders = p.Dictionary("customHeaders") ?? [],
            QueryParameters = p.Dictionary("queryParameters") ?? [],
            UnsafeSsl = p.Boolean("unsafeSsl"),
            Timeout = p.Duration("timeout"),
            AuthModes = p.String("authModes"),
            AuthenticationRef = reference?.String("name", required: true) is { } name ? new AuthenticationRef(name, reference.String("kind")) : null,
        };
        reference?.RejectUnknown();
        p.RejectUnknown();
        return connection;
    }

    private static PredictivePolicyOptions ReadPredictive(YamlFields p)
    {
        var options = new PredictivePolicyOptions();
        options.Target = p.Number("value", required: true, to: nameof(options.Target)) ?? options.Target;
        options.ReactiveTarget = p.Number("reactiveValue", to: nameof(options.ReactiveTarget));
        options.Tolerance = p.Number("tolerance", to: nameof(options.Tolerance)) ?? options.Tolerance;
        options.Method = p.Enum<ForecastMethod>("method", to: nameof(options.Method)) ?? options.Method;
        options.SeasonLength = p.Duration("seasonLength", to: nameof(options.SeasonLength)) ?? options.SeasonLength;
        options.SampleInterval = p.Duration("sampleInterval", to: nameof(options.SampleInterval)) ?? options.SampleInterval;
        options.Horizon = p.Duration("horizon", to: nameof(options.Horizon)) ?? options.Horizon;
        options.Alpha = p.Number("alpha", to: nameof(options.Alpha)) ?? options.Alpha;
        options.Beta = p.Number("beta", to: nameof(options.Beta)) ?? options.Beta;
        options.Gamma = p.Number("gamma", to: nameof(options.Gamma)) ?? options.Gamma;
        options.WarmUpSeasons = p.Integer("warmUpSeasons", to: nameof(options.WarmUpSeasons)) ?? options.WarmUpSeasons;
        p.RejectUnknown();
        return options;
    }

    private static SloPolicyOptions ReadSlo(YamlFields p)
    {
        var options = new SloPolicyOptions();
        options.Latency = p.Duration("latency", to: nameof(options.Latency)) ?? options.Latency;
        if (!p.Has("latency"))
        {
            p.Problem(p.Node, "latency", "is required (the latency bound, e.g. 300ms)");
        }

        options.Statistic = p.Enum<LatencyStatistic>("statistic", to: nameof(options.Statistic)) ?? options.Statistic;
        options.MaxErrorRate = p.Number("maxErrorRate", to: nameof(options.MaxErrorRate)) ?? options.MaxErrorRate;
        options.Workers = p.Integer("workers", to: nameof(options.Workers));
        options.ServiceTime = p.Duration("serviceTime", to: nameof(options.ServiceTime));
        options.QueueLimit = p.Integer("queueLimit", to: nameof(options.QueueLimit)) ?? options.QueueLimit;
        options.Distribution = p.Enum<ServiceTimeDistribution>("distribution", to: nameof(options.Distribution)) ?? options.Distribution;
        options.SafeRate = p.Number("safeRate", to: nameof(options.SafeRate));
        if (p.Mapping("learn", to: nameof(options.Learn)) is { } learn)
        {
            options.Learn = new SloLearnQueries
            {
                Utilization = learn.String("utilization", to: nameof(SloLearnQueries.Utilization)),
                Throughput = learn.String("throughput", to: nameof(SloLearnQueries.Throughput)),
                Latency = learn.String("latency", to: nameof(SloLearnQueries.Latency)),
            };
            learn.RejectUnknown();
        }

        options.Forecast = p.Enum<SloForecast>("forecast", to: nameof(options.Forecast)) ?? options.Forecast;
        options.SeasonLength = p.Duration("seasonLength", to: nameof(options.SeasonLength));
        options.SampleInterval = p.Duration("sampleInterval", to: nameof(options.SampleInterval)) ?? options.SampleInterval;
        options.Horizon = p.Duration("horizon", to: nameof(options.Horizon)) ?? options.Horizon;
        options.HeadroomQuantile = p.Number("headroomQuantile", to: nameof(options.HeadroomQuantile)) ?? options.HeadroomQuantile;
        p.RejectUnknown();
        return options;
    }

    /// <summary>
    /// Reads a behavior section (HPA's field names, with our cooldowns where <paramref name="cooldowns"/>); what is
    /// left out comes from <paramref name="defaults"/>. HPA's per-direction <c>tolerance</c> (Kubernetes 1.33+) is
    /// returned apart: it belongs to the target rules, not to the behavior stage.
    /// </summary>
    internal static (ScalingBehavior Behavior, double? UpTolerance, double? DownTolerance) ReadBehavior(YamlFields b, ScalingBehavior defaults, bool cooldowns)
    {
        double? upTolerance = null, downTolerance = null;
        var behavior = new ScalingBehavior
        {
            ScaleUp = b.Mapping("scaleUp", to: nameof(ScalingBehavior.ScaleUp)) is { } up ? ReadRules(up, defaults.ScaleUp, cooldowns, out upTolerance) : defaults.ScaleUp,
            ScaleDown = b.Mapping("scaleDown", to: nameof(ScalingBehavior.ScaleDown)) is { } down ? ReadRules(down, defaults.ScaleDown, cooldowns, out downTolerance) : defaults.ScaleDown,
        };
        b.RejectUnknown();
        return (behavior, upTolerance, downTolerance);
    }

    private static ScalingRules ReadRules(YamlFields r, ScalingRules defaults, bool cooldowns, out double? tolerance)
    {
        var rules = new ScalingRules
        {
            StabilizationWindowSeconds = r.Integer("stabilizationWindowSeconds", to: nameof(ScalingRules.StabilizationWindowSeconds)) ?? defaults.StabilizationWindowSeconds,
            SelectPolicy = r.Enum<SelectPolicy>("selectPolicy", to: nameof(ScalingRules.SelectPolicy)) ?? defaults.SelectPolicy,
            Cooldown = (cooldowns ? r.Duration("cooldown", to: nameof(ScalingRules.Cooldown)) : null) ?? defaults.Cooldown,
        };
        tolerance = null;
        if (!cooldowns && r.String("tolerance") is { } text)
        {
            // A Kubernetes quantity (0.05, 50m); it applies to every metric of the object.
            if (Quantities.TryParse(text, out var value))
            {
                tolerance = value;
            }
            else
            {
                r.Problem(r.Find("tolerance")!, "tolerance", $"'{text}' is not a quantity (e.g. 0.05 or 50m)");
            }
        }

        var policies = r.MappingList("policies", to: nameof(ScalingRules.Policies));
        foreach (var p in policies)
        {
            var type = p.Enum<ScalingRuleType>("type", to: nameof(ScalingRule.Type)) ?? ScalingRuleType.Pods;
            var value = p.Integer("value", required: true, to: nameof(ScalingRule.Value)) ?? 1;
            var period = p.Integer("periodSeconds", required: true, to: nameof(ScalingRule.PeriodSeconds)) ?? 15;
            p.RejectUnknown();
            rules.Policies.Add(new ScalingRule(type, value, period));
        }

        if (policies.Count == 0)
        {
            rules.Policies = [.. defaults.Policies];
        }

        r.RejectUnknown();
        return rules;
    }

    /// <summary>Writes <paramref name="spec"/> as a policy file, every default filled in (the effective policy).</summary>
    public static string Write(PolicySpec spec)
    {
        var root = new YamlMappingNode
        {
            { "minReplicas", Num(spec.MinReplicas) },
            { "maxReplicas", Num(spec.MaxReplicas) },
        };
        if (spec.CheckInterval is { } interval)
        {
            root.Add("checkInterval", Durations.Format(interval));
        }

        root.Add("scaleToZeroAfter", Durations.Format(spec.ScaleToZeroAfter));

        var metrics = new YamlSequenceNode();
        foreach (var m in spec.Metrics)
        {
            var node = new YamlMappingNode { { "name", YamlFields.Text(m.Name) } };
            if (m.Query.Length > 0)
            {
                node.Add("query", YamlFields.Text(m.Query));
            }

            if (m.Threshold is { } t)
            {
                node.Add("threshold", new YamlMappingNode
                {
                    { "up", Num(t.ScaleUpThreshold) }, { "down", Num(t.ScaleDownThreshold) },
                    { "step", Num(t.Step) }, { "stepType", t.StepType.ToString() },
                });
            }
            else if (m.Target is { } g)
            {
                node.Add("target", WriteTarget(g));
            }
            else if (m.Predictive is { } p)
            {
                var predictive = new YamlMappingNode { { "value", Num(p.Target) } };
                if (p.ReactiveTarget is { } reactive)
                {
                    predictive.Add("reactiveValue", Num(reactive));
                }

                predictive.Add("tolerance", Num(p.Tolerance));
                predictive.Add("method", p.Method == ForecastMethod.HoltWinters ? "holtWinters" : "seasonalNaive");
                predictive.Add("seasonLength", Durations.Format(p.SeasonLength));
                predictive.Add("sampleInterval", Durations.Format(p.SampleInterval));
                predictive.Add("horizon", Durations.Format(p.Horizon));
                predictive.Add("alpha", Num(p.Alpha));
                predictive.Add("beta", Num(p.Beta));
                predictive.Add("gamma", Num(p.Gamma));
                predictive.Add("warmUpSeasons", Num(p.WarmUpSeasons));
                node.Add("predictive", predictive);
            }
            else if (m.Slo is { } o)
            {
                node.Add("slo", WriteSlo(o));
            }
            else if (m.Rule == "fixed")
            {
                node.Add("fixed", Num(m.Fixed ?? 0));
            }

            if (m.Rule != "input")
            {
                WriteFallback(node, m.OnFailure);
            }

            node.Add("ignoreNullValues", m.OnFailure.IgnoreNullValues ? "true" : "false");
            if (m.ActivationThreshold is { } activation)
            {
                node.Add("activationThreshold", Num(activation));
            }

            if (m.Prometheus is { IsEmpty: false } connection)
            {
                node.Add("prometheus", WriteConnection(connection));
            }

            metrics.Add(node);
        }

        root.Add("metrics", metrics);
        var behavior = spec.EffectiveBehavior;
        root.Add("behavior", WriteBehavior(behavior, cooldowns: true));
        if (spec.Kubernetes is { } k)
        {
            var kubernetes = new YamlMappingNode();
            AddText(kubernetes, "name", k.Name);
            AddText(kubernetes, "namespace", k.Namespace);
            if (k.TargetName is not null || k.TargetKind is not null || k.TargetApiVersion is not null)
            {
                var target = new YamlMappingNode();
                AddText(target, "apiVersion", k.TargetApiVersion);
                AddText(target, "kind", k.TargetKind);
                AddText(target, "name", k.TargetName);
                kubernetes.Add("scaleTargetRef", target);
            }

            root.Add("kubernetes", kubernetes);
        }

        FormulaFields.Write(root, spec);
        ScheduleFields.Write(root, spec);
        PauseFields.Write(root, spec);
        return YamlFields.Save(root);
    }

    /// <summary>Writes a target rule: <c>{value, type, tolerance}</c> and the per-direction tolerances when set.</summary>
    internal static YamlMappingNode WriteTarget(TargetPolicyOptions g)
    {
        var target = new YamlMappingNode { { "value", Num(g.Target) }, { "type", g.Type.ToString() }, { "tolerance", Num(g.Tolerance) } };
        if (g.ScaleUpTolerance is { } up)
        {
            target.Add("scaleUpTolerance", Num(up));
        }

        if (g.ScaleDownTolerance is { } down)
        {
            target.Add("scaleDownTolerance", Num(down));
        }

        return target;
    }

    /// <summary>Writes <c>onError</c> and, when it falls back, <c>fallback</c>.</summary>
    internal static void WriteFallback(YamlMappingNode node, MetricFailureHandling handling)
    {
        node.Add("onError", handling.FallbackAfter is null ? "hold" : "fallback");
        if (handling.FallbackAfter is { } after)
        {
            node.Add("fallback", new YamlMappingNode { { "failureThreshold", Num(after) }, { "replicas", Num(handling.FallbackReplicas) } });
        }
    }

    private static YamlMappingNode WriteConnection(PrometheusConnection c)
    {
        var node = new YamlMappingNode();
        AddText(node, "serverAddress", c.ServerAddress);
        AddText(node, "namespace", c.Namespace);
        foreach (var (key, values) in new[] { ("customHeaders", c.CustomHeaders), ("queryParameters", c.QueryParameters) })
        {
            if (values.Count > 0)
            {
                var map = new YamlMappingNode();
                foreach (var (name, value) in values)
                {
                    map.Add(YamlFields.Text(name), YamlFields.Text(value));
                }

                node.Add(key, map);
            }
        }

        if (c.UnsafeSsl is { } unsafeSsl)
        {
            node.Add("unsafeSsl", unsafeSsl ? "true" : "false");
        }

        if (c.Timeout is { } timeout)
        {
            node.Add("timeout", Durations.Format(timeout));
        }

        AddText(node, "authModes", c.AuthModes);
        if (c.AuthenticationRef is { } reference)
        {
            var r = new YamlMappingNode { { "name", YamlFields.Text(reference.Name) } };
            AddText(r, "kind", reference.Kind);
            node.Add("authenticationRef", r);
        }

        return node;
    }

    private static void AddText(YamlMappingNode node, string key, string? value)
    {
        if (value is not null)
        {
            node.Add(key, YamlFields.Text(value));
        }
    }

    private static YamlMappingNode WriteSlo(SloPolicyOptions o)
    {
        var node = new YamlMappingNode
        {
            { "latency", Durations.Format(o.Latency) },
            { "statistic", o.Statistic.Label() },
            { "maxErrorRate", Num(o.MaxErrorRate) },
        };
        if (o.Workers is { } workers)
        {
            node.Add("workers", Num(workers));
        }

        if (o.ServiceTime is { } service)
        {
            node.Add("serviceTime", Durations.Format(service));
        }

        node.Add("queueLimit", Num(o.QueueLimit));
        node.Add("distribution", Camel(o.Distribution.ToString()));
        if (o.SafeRate is { } rate)
        {
            node.Add("safeRate", Num(rate));
        }

        var learn = new YamlMappingNode();
        foreach (var (key, query) in new[] { ("utilization", o.Learn.Utilization), ("throughput", o.Learn.Throughput), ("latency", o.Learn.Latency) })
        {
            if (query is { Length: > 0 })
            {
                learn.Add(key, query);
            }
        }

        if (learn.Children.Count > 0)
        {
            node.Add("learn", learn);
        }

        node.Add("forecast", Camel(o.Forecast.ToString()));
        if (o.SeasonLength is { } season)
        {
            node.Add("seasonLength", Durations.Format(season));
        }

        node.Add("sampleInterval", Durations.Format(o.SampleInterval));
        node.Add("horizon", Durations.Format(o.Horizon));
        node.Add("headroomQuantile", Num(o.HeadroomQuantile));
        return node;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>Writes a behavior section in HPA's field names; <paramref name="cooldowns"/> adds ours, which HPA and KEDA lack.</summary>
    internal static YamlMappingNode WriteBehavior(ScalingBehavior behavior, bool cooldowns) => new()
    {
        { "scaleUp", Rules(behavior.ScaleUp, cooldowns) },
        { "scaleDown", Rules(behavior.ScaleDown, cooldowns) },
    };

    private static YamlMappingNode Rules(ScalingRules rules, bool cooldowns)
    {
        var policies = new YamlSequenceNode();
        foreach (var p in rules.Policies)
        {
            policies.Add(new YamlMappingNode { { "type", p.Type.ToString() }, { "value", Num(p.Value) }, { "periodSeconds", Num(p.PeriodSeconds) } });
        }

        var node = new YamlMappingNode
        {
            { "stabilizationWindowSeconds", Num(rules.StabilizationWindowSeconds) },
            { "selectPolicy", rules.SelectPolicy.ToString() },
            { "policies", policies },
        };
        if (cooldowns)
        {
            node.Add("cooldown", Durations.Format(rules.Cooldown));
        }

        return node;
    }

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
