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

/// <summary>Reads and writes the native policy file (YAML); every problem is named with its line and field.</summary>
public static class PolicyFile
{
    /// <summary>Reads a policy file from disk.</summary>
    /// <exception cref="PolicyFileException">The file cannot be read or is not a valid policy.</exception>
    public static PolicySpec Load(string path)
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

        return Parse(text, path);
    }

    /// <summary>Reads a policy from YAML text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="PolicyFileException">The text is not a valid policy; all problems are listed.</exception>
    public static PolicySpec Parse(string text, string source = "policy")
    {
        var problems = new List<string>();
        var root = YamlFields.Root(source, text, problems);
        var spec = new PolicySpec
        {
            MinReplicas = root.Integer("minReplicas", 0, 10_000) ?? 1,
            MaxReplicas = root.Integer("maxReplicas", 1, 10_000) ?? 6,
            CheckInterval = root.Duration("checkInterval"),
            ScaleToZeroAfter = root.Duration("scaleToZeroAfter") ?? DecisionPipeline.DefaultScaleToZeroAfter,
        };
        if (spec.MinReplicas > spec.MaxReplicas)
        {
            root.Problem(root.Find("minReplicas") ?? root.Node, "minReplicas", $"{spec.MinReplicas} must not exceed maxReplicas {spec.MaxReplicas}");
        }

        var metrics = root.MappingList("metrics", required: true);
        if (metrics.Count == 0 && root.Has("metrics"))
        {
            root.Problem(root.Find("metrics")!, "metrics", "needs at least one metric");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var formula = root.Has("formula");
        foreach (var m in metrics)
        {
            var metric = ReadMetric(m, formula);
            if (metric.Name.Length > 0 && !names.Add(metric.Name))
            {
                m.Problem(m.Find("name")!, "name", $"'{metric.Name}' is used by another metric");
            }

            spec.Metrics.Add(metric);
        }

        if (root.Mapping("behavior") is { } behavior)
        {
            // Here a direction or a rule list left out means no limit (unlike a HPA, where it means HPA's defaults).
            spec.Behavior = ReadBehavior(behavior, ScalingBehavior.None, cooldowns: true);
        }

        PauseFields.Read(root, spec);
        ScheduleFields.Read(root, spec);
        FormulaFields.Read(root, spec);
        root.RejectUnknown();
        return problems.Count == 0 ? spec : throw new PolicyFileException(problems);
    }

    private static MetricSpec ReadMetric(YamlFields m, bool formula)
    {
        var metric = new MetricSpec { Name = m.String("name", required: true) ?? "", Query = m.String("query") ?? "" };
        var kinds = new[] { "threshold", "target", "predictive", "slo", "fixed" }.Where(m.Has).ToList();
        if (formula)
        {
            FormulaFields.CheckInput(m, kinds);
        }
        else if (kinds.Count != 1)
        {
            m.Problem(m.Node, "threshold|target|predictive|slo|fixed", kinds.Count == 0 ? "say which policy: threshold, target, predictive, slo or fixed" : $"only one policy per metric, not {string.Join(" and ", kinds)}");
        }

        if (m.Mapping("threshold") is { } t)
        {
            var options = new ThresholdPolicyOptions
            {
                ScaleUpThreshold = t.Number("up", 0, required: true) ?? 0.6,
                ScaleDownThreshold = t.Number("down", 0, required: true) ?? 0.2,
                Step = t.Integer("step", 1, 10_000) ?? 1,
                StepType = t.Enum<ThresholdStepType>("stepType") ?? ThresholdStepType.Replicas,
            };
            if (options.ScaleDownThreshold >= options.ScaleUpThreshold)
            {
                t.Problem(t.Find("down") ?? t.Node, "down", $"{options.ScaleDownThreshold.ToString(CultureInfo.InvariantCulture)} must be below up {options.ScaleUpThreshold.ToString(CultureInfo.InvariantCulture)}");
            }

            t.RejectUnknown();
            metric.Threshold = options;
        }

        if (m.Mapping("target") is { } g)
        {
            metric.Target = ReadTarget(g);
        }

        if (m.Mapping("predictive") is { } pr)
        {
            metric.Predictive = ReadPredictive(pr);
        }

        if (m.Mapping("slo") is { } slo)
        {
            metric.Slo = ReadSlo(slo);
        }

        metric.Fixed = m.Integer("fixed", 0, 10_000);
        if (metric.Fixed is null && metric.Query.Length == 0)
        {
            m.Problem(m.Node, "query", "is required (a PromQL query that yields one value)");
        }

        var (fallbackAfter, fallbackReplicas) = ReadFallback(m);
        metric.OnFailure = new MetricFailureHandling(fallbackAfter, fallbackReplicas, m.Boolean("ignoreNullValues") ?? false);
        metric.ActivationThreshold = m.Number("activationThreshold", 0);
        m.RejectUnknown();
        return metric;
    }

    /// <summary>Reads a target rule: <c>{value, type, tolerance}</c>.</summary>
    internal static TargetPolicyOptions ReadTarget(YamlFields g)
    {
        var options = new TargetPolicyOptions
        {
            Target = g.Number("value", 1e-12, required: true) ?? 1,
            Type = g.Enum<TargetType>("type") ?? TargetType.Value,
            Tolerance = g.Number("tolerance", 0, 1) ?? 0.1,
        };
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
            fallbackAfter = f.Integer("failureThreshold", 1, 1000, required: true);
            fallbackReplicas = f.Integer("replicas", 0, 10_000, required: true) ?? 0;
            f.RejectUnknown();
        }
        else if (onError == "fallback")
        {
            m.Problem(m.Find("onError")!, "fallback", "onError: fallback needs fallback: {failureThreshold, replicas}");
        }

        return (onError == "hold" ? null : fallbackAfter, fallbackReplicas);
    }

    private static PredictivePolicyOptions ReadPredictive(YamlFields p)
    {
        var options = new PredictivePolicyOptions();
        options.Target = p.Number("value", 1e-12, required: true) ?? options.Target;
        options.ReactiveTarget = p.Number("reactiveValue", 1e-12);
        options.Tolerance = p.Number("tolerance", 0, 1) ?? options.Tolerance;
        options.Method = p.Enum<ForecastMethod>("method") ?? options.Method;
        options.SeasonLength = p.Duration("seasonLength") ?? options.SeasonLength;
        options.SampleInterval = p.Duration("sampleInterval") ?? options.SampleInterval;
        options.Horizon = p.Duration("horizon") ?? options.Horizon;
        options.Alpha = p.Number("alpha", 0, 1) ?? options.Alpha;
        options.Beta = p.Number("beta", 0, 1) ?? options.Beta;
        options.Gamma = p.Number("gamma", 0, 1) ?? options.Gamma;
        options.WarmUpSeasons = p.Integer("warmUpSeasons", 0, 52) ?? options.WarmUpSeasons;
        p.RejectUnknown();

        // Rules across fields (or beyond a range), each on that field's line (Problems names a field at most once).
        foreach (var (field, problem) in options.Problems())
        {
            var key = char.ToLowerInvariant(field[0]) + field[1..];
            key = key switch { "target" => "value", "reactiveTarget" => "reactiveValue", _ => key };
            p.Problem(p.Find(key) ?? p.Node, key, problem);
        }

        return options;
    }

    private static SloPolicyOptions ReadSlo(YamlFields p)
    {
        var options = new SloPolicyOptions();
        options.Latency = p.Duration("latency") ?? options.Latency;
        if (!p.Has("latency"))
        {
            p.Problem(p.Node, "latency", "is required (the latency bound, e.g. 300ms)");
        }

        options.Statistic = p.Enum<LatencyStatistic>("statistic") ?? options.Statistic;
        options.MaxErrorRate = p.Number("maxErrorRate") ?? options.MaxErrorRate;
        options.Workers = p.Integer("workers", 1, 100_000);
        options.ServiceTime = p.Duration("serviceTime");
        options.QueueLimit = p.Integer("queueLimit", 0, 1_000_000) ?? options.QueueLimit;
        options.Distribution = p.Enum<ServiceTimeDistribution>("distribution") ?? options.Distribution;
        options.SafeRate = p.Number("safeRate", 1e-12);
        if (p.Mapping("learn") is { } learn)
        {
            options.Learn = new SloLearnQueries
            {
                Utilization = learn.String("utilization"),
                Throughput = learn.String("throughput"),
                Latency = learn.String("latency"),
            };
            learn.RejectUnknown();
        }

        options.Forecast = p.Enum<SloForecast>("forecast") ?? options.Forecast;
        options.SeasonLength = p.Duration("seasonLength");
        options.SampleInterval = p.Duration("sampleInterval") ?? options.SampleInterval;
        options.Horizon = p.Duration("horizon") ?? options.Horizon;
        options.HeadroomQuantile = p.Number("headroomQuantile") ?? options.HeadroomQuantile;
        p.RejectUnknown();

        // Rules across fields (or beyond a range), each on that field's line.
        foreach (var (field, problem) in options.Problems())
        {
            var key = char.ToLowerInvariant(field[0]) + field[1..];
            if (!p.Has(key) && key is "workers" or "serviceTime" or "latency")
            {
                p.Problem(p.Node, key, problem);
                continue;
            }

            p.Problem(p.Find(key) ?? p.Node, key, problem);
        }

        return options;
    }

    /// <summary>Reads a behavior section; what is left out comes from <paramref name="defaults"/>.</summary>
    internal static ScalingBehavior ReadBehavior(YamlFields b, ScalingBehavior defaults, bool cooldowns)
    {
        var behavior = new ScalingBehavior
        {
            ScaleUp = b.Mapping("scaleUp") is { } up ? ReadRules(up, defaults.ScaleUp, cooldowns) : defaults.ScaleUp,
            ScaleDown = b.Mapping("scaleDown") is { } down ? ReadRules(down, defaults.ScaleDown, cooldowns) : defaults.ScaleDown,
        };
        b.RejectUnknown();
        return behavior;
    }

    private static ScalingRules ReadRules(YamlFields r, ScalingRules defaults, bool cooldowns)
    {
        var rules = new ScalingRules
        {
            StabilizationWindowSeconds = r.Integer("stabilizationWindowSeconds", 0, 3600) ?? defaults.StabilizationWindowSeconds,
            SelectPolicy = r.Enum<SelectPolicy>("selectPolicy") ?? defaults.SelectPolicy,
            Cooldown = (cooldowns ? r.Duration("cooldown") : null) ?? defaults.Cooldown,
        };
        var policies = r.MappingList("policies");
        foreach (var p in policies)
        {
            var type = p.Enum<ScalingRuleType>("type") ?? ScalingRuleType.Pods;
            var value = p.Integer("value", 1, int.MaxValue, required: true) ?? 1;
            var period = p.Integer("periodSeconds", 1, 1800, required: true) ?? 15;
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
            var node = new YamlMappingNode { { "name", m.Name } };
            if (m.Query.Length > 0)
            {
                node.Add("query", m.Query);
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

            metrics.Add(node);
        }

        root.Add("metrics", metrics);
        var behavior = spec.EffectiveBehavior;
        root.Add("behavior", WriteBehavior(behavior, cooldowns: true));
        FormulaFields.Write(root, spec);
        ScheduleFields.Write(root, spec);
        PauseFields.Write(root, spec);

        return YamlFields.Save(root);
    }

    /// <summary>Writes a target rule: <c>{value, type, tolerance}</c>.</summary>
    internal static YamlMappingNode WriteTarget(TargetPolicyOptions g) =>
        new() { { "value", Num(g.Target) }, { "type", g.Type.ToString() }, { "tolerance", Num(g.Tolerance) } };

    /// <summary>Writes <c>onError</c> and, when it falls back, <c>fallback</c>.</summary>
    internal static void WriteFallback(YamlMappingNode node, MetricFailureHandling handling)
    {
        node.Add("onError", handling.FallbackAfter is null ? "hold" : "fallback");
        if (handling.FallbackAfter is { } after)
        {
            node.Add("fallback", new YamlMappingNode { { "failureThreshold", Num(after) }, { "replicas", Num(handling.FallbackReplicas) } });
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
