using System.Globalization;
using Autoscaler.Core.Behavior;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// A KEDA ScaledObject (keda.sh/v1alpha1) with prometheus triggers, read as a policy of target rules and written
/// back as KEDA's CRD takes it (every trigger metadata value a string). The trigger's connection (serverAddress,
/// namespace, headers, TLS, authentication) is kept on each metric (<see cref="MetricSpec.Prometheus"/>).
/// </summary>
public static class KedaFormat
{
    /// <summary>The serverAddress written when neither the flags nor the policy give one.</summary>
    public const string DefaultServerAddress = "http://prometheus:9090";

    /// <summary>KEDA's default <c>minReplicaCount</c>.</summary>
    public const int DefaultMinReplicaCount = 0;

    /// <summary>KEDA's default <c>maxReplicaCount</c>.</summary>
    public const int DefaultMaxReplicaCount = 100;

    /// <summary>KEDA's default <c>pollingInterval</c>.</summary>
    public static TimeSpan DefaultPollingInterval { get; } = TimeSpan.FromSeconds(30);

    /// <summary>KEDA's annotation that pins the count while it is set.</summary>
    public const string PausedReplicasAnnotation = "autoscaling.keda.sh/paused-replicas";

    /// <summary>KEDA's annotation that stops scaling while it is true.</summary>
    public const string PausedAnnotation = "autoscaling.keda.sh/paused";

    /// <summary>Maps a ScaledObject document (a live one too) onto a spec.</summary>
    internal static PolicySpec Read(YamlFields root)
    {
        if (root.String("apiVersion") is { } apiVersion && apiVersion != "keda.sh/v1alpha1")
        {
            root.Problem(root.Find("apiVersion")!, "apiVersion", $"'{apiVersion}' is not keda.sh/v1alpha1");
        }

        var (name, ns, _) = KubernetesFormats.ReadMetadata(root);
        var spec = new PolicySpec
        {
            MinReplicas = DefaultMinReplicaCount,
            MaxReplicas = DefaultMaxReplicaCount,
            CheckInterval = DefaultPollingInterval,
            Behavior = ScalingBehavior.HpaDefaults,
        };
        ReadAnnotations(root, spec);
        var s = root.Mapping("spec", required: true);
        if (s is null)
        {
            root.Context.Failed.Add(nameof(PolicySpec.Metrics));
            root.RejectUnknown();
            return spec;
        }

        spec.Kubernetes = KubernetesFormats.ReadTarget(s, name, ns, "envSourceContainerName");
        spec.MinReplicas = s.Integer("minReplicaCount", to: nameof(PolicySpec.MinReplicas)) ?? spec.MinReplicas;
        spec.MaxReplicas = s.Integer("maxReplicaCount", to: nameof(PolicySpec.MaxReplicas)) ?? spec.MaxReplicas;
        spec.CheckInterval = s.Seconds("pollingInterval", to: nameof(PolicySpec.CheckInterval)) ?? spec.CheckInterval;

        // KEDA's cooldownPeriod: how long after the last active trigger it scales to zero (only with minReplicaCount 0).
        spec.ScaleToZeroAfter = s.Seconds("cooldownPeriod", to: nameof(PolicySpec.ScaleToZeroAfter)) ?? spec.ScaleToZeroAfter;
        NotCarried(s, "initialCooldownPeriod", "the scaler applies cooldownPeriod from its start");
        NotCarried(s, "idleReplicaCount", "with no active trigger the scaler goes to minReplicaCount (0 with activation), not to an idle count");
        var fallback = s.Mapping("fallback");
        var onFailure = MetricFailureHandling.Hold;
        if (fallback is not null)
        {
            onFailure = new MetricFailureHandling(fallback.Integer("failureThreshold", required: true), fallback.Integer("replicas", required: true) ?? 0);
            if (fallback.String("behavior") is { } behavior and not "static")
            {
                fallback.Warning(fallback.Find("behavior")!, "behavior", $"not carried over: '{behavior}'; the scaler's fallback is KEDA's static one (fallback.replicas)");
            }

            fallback.RejectUnknown();
        }

        var (hpaBehavior, upTolerance, downTolerance) = ReadAdvanced(s, spec);
        var triggers = s.MappingList("triggers", required: true, to: nameof(PolicySpec.Metrics), max: PolicySpec.MetricsBound("triggers"));
        // A lone prometheus trigger is named "prometheus" whatever cron triggers stand beside it.
        var prometheusTriggers = triggers.Count(t => t.Find("type") is not YamlScalarNode { Value: "cron" });
        foreach (var t in triggers)
        {
            if (t.Find("type") is YamlScalarNode { Value: "cron" } cron && spec.Formula is not null)
            {
                // Under scalingModifiers KEDA hands the HPA only the formula's value: a cron trigger would have to feed it.
                t.Problem(cron, "type", "a cron trigger under scalingModifiers only counts through the formula, whose inputs here are prometheus queries; drop it, or drop scalingModifiers so it raises the minimum in its window");
            }
            else if (t.Find("type") is YamlScalarNode { Value: "cron" })
            {
                ReadCron(t.For($"{nameof(PolicySpec.Schedules)}[{spec.Schedules.Count}]"), spec);
            }
            else if (ReadTrigger(t.For($"Metrics[{spec.Metrics.Count}]"), prometheusTriggers, spec.Metrics.Count, onFailure) is { } metric)
            {
                spec.Metrics.Add(spec.Formula is null ? metric : AsInput(metric));
            }
        }

        if (spec.Formula is { } composite)
        {
            // Under scalingModifiers the fallback applies to the composite value; the triggers only feed it.
            composite.OnFailure = onFailure;
        }

        if (hpaBehavior is not null)
        {
            HpaFormat.ApplyTolerances(spec, hpaBehavior, upTolerance, downTolerance);
        }

        if (fallback is not null)
        {
            // One fallback for every trigger (or for the formula): a rule it breaks is reported once, on its own line.
            var owners = spec.Formula is not null ? [$"{nameof(PolicySpec.Formula)}.{nameof(FormulaSpec.OnFailure)}"]
                : Enumerable.Range(0, spec.Metrics.Count).Select(i => $"Metrics[{i}].OnFailure");
            foreach (var owner in owners)
            {
                var each = fallback.For(owner);
                each.Integer("failureThreshold", to: nameof(MetricFailureHandling.FallbackAfter));
                each.Integer("replicas", to: nameof(MetricFailureHandling.FallbackReplicas));
            }
        }

        s.RejectUnknown();
        root.RejectUnknown();
        return spec;
    }

    /// <summary>
    /// KEDA's pause annotations onto the policy's pause: <c>paused-replicas: "N"</c> holds N, <c>paused: "true"</c> holds
    /// the count the target has; when both are there, the count wins, as in KEDA.
    /// </summary>
    private static void ReadAnnotations(YamlFields root, PolicySpec spec)
    {
        if (root.Mapping("metadata")?.Mapping("annotations") is not { } annotations)
        {
            return;
        }

        // Annotations are free-form: only these two are read, nothing else is refused.
        spec.PausedReplicas = annotations.Integer(PausedReplicasAnnotation, to: nameof(PolicySpec.PausedReplicas));
        spec.Paused = GoBool(annotations, PausedAnnotation) ?? false;
    }

    /// <summary>
    /// <c>spec.advanced</c>: the HPA behavior (with its tolerance), and <c>scalingModifiers</c> as the policy's formula
    /// (<see cref="PolicySpec.Formula"/>). Returns the behavior mapping so tolerances can be applied once the metrics are known.
    /// </summary>
    private static (YamlFields? Behavior, double? Up, double? Down) ReadAdvanced(YamlFields s, PolicySpec spec)
    {
        if (s.Mapping("advanced") is not { } advanced)
        {
            return (null, null, null);
        }

        YamlFields? behavior = null;
        double? up = null, down = null;
        if (advanced.Mapping("horizontalPodAutoscalerConfig") is { } hpa)
        {
            behavior = hpa.Mapping("behavior")?.For(nameof(PolicySpec.Behavior));
            if (behavior is not null)
            {
                (spec.Behavior, up, down) = PolicyFile.ReadBehavior(behavior, ScalingBehavior.HpaDefaults, cooldowns: false);
            }

            hpa.Ignore("name");
            hpa.RejectUnknown();
        }

        if (advanced.Mapping("scalingModifiers", to: nameof(PolicySpec.Formula)) is { } modifiers)
        {
            WarnTypedValues(modifiers);
            var formula = new FormulaSpec { Expression = modifiers.String("formula", required: true, to: nameof(FormulaSpec.Expression)) ?? "" };
            formula.Target.Type = modifiers.Enum<TargetType>("metricType", to: $"{nameof(FormulaSpec.Target)}.{nameof(TargetPolicyOptions.Type)}") ?? TargetType.AverageValue;
            formula.Target.Target = Number(modifiers, "target", required: true, $"{nameof(FormulaSpec.Target)}.{nameof(TargetPolicyOptions.Target)}") ?? formula.Target.Target;

            // KEDA's activationTarget defaults to 0, as a trigger's activationThreshold.
            formula.ActivationThreshold = Number(modifiers, "activationTarget", required: false, nameof(FormulaSpec.ActivationThreshold)) ?? 0;
            modifiers.RejectUnknown();
            spec.Formula = formula;
        }

        advanced.Ignore("restoreToOriginalReplicaCount");
        advanced.RejectUnknown();
        return (behavior, up, down);
    }

    /// <summary>
    /// A trigger under <c>scalingModifiers</c> only feeds the formula: KEDA ignores its threshold, activation and the
    /// fallback (which applies to the composite); what it keeps is its query, connection and <c>ignoreNullValues</c>.
    /// </summary>
    private static MetricSpec AsInput(MetricSpec trigger)
    {
        trigger.Target = null;
        trigger.ActivationThreshold = null;
        trigger.OnFailure = MetricFailureHandling.Hold with { IgnoreNullValues = trigger.OnFailure.IgnoreNullValues };
        return trigger;
    }

    /// <summary>
    /// KEDA's cron scaler (<c>timezone</c>, <c>start</c>, <c>end</c>, <c>desiredReplicas</c>): while its window is open it
    /// asks for desiredReplicas and the largest request wins, which is a schedule window raising minReplicas.
    /// </summary>
    private static void ReadCron(YamlFields t, PolicySpec spec)
    {
        var index = spec.Schedules.Count;
        var window = new ScheduleSpec
        {
            Name = t.String("name", to: nameof(ScheduleSpec.Name)) ?? string.Create(CultureInfo.InvariantCulture, $"cron_{index}"),
        };
        t.Ignore("metricType", "useCachedMetrics");
        var md = t.Mapping("metadata", required: true);
        t.RejectUnknown();
        if (md is not null)
        {
            WarnTypedValues(md);
            window.TimeZone = md.String("timezone", required: true, to: nameof(ScheduleSpec.TimeZone)) ?? ScheduleSpec.Utc;
            window.Start = md.String("start", required: true, to: nameof(ScheduleSpec.Start)) ?? "";
            window.End = md.String("end", required: true, to: nameof(ScheduleSpec.End)) ?? "";
            window.MinReplicas = md.Integer("desiredReplicas", required: true, to: nameof(ScheduleSpec.MinReplicas));
            md.RejectUnknown();
        }

        spec.Schedules.Add(window);
    }

    private static void NotCarried(YamlFields fields, string key, string why)
    {
        if (fields.KeyNode(key) is { } node)
        {
            fields.Warning(node, key, $"not carried over: {why}");
        }
    }

    private static MetricSpec? ReadTrigger(YamlFields t, int count, int index, MetricFailureHandling onFailure)
    {
        var type = t.String("type", required: true);
        if (type is not null and not "prometheus")
        {
            t.Problem(t.Find("type")!, "type", $"'{type}' triggers are not supported; only prometheus");
        }

        var name = t.String("name", to: nameof(MetricSpec.Name)) ?? (count == 1 ? "prometheus" : $"prometheus_{index}");
        var metricType = t.Enum<TargetType>("metricType", to: $"{nameof(MetricSpec.Target)}.{nameof(TargetPolicyOptions.Type)}") ?? TargetType.AverageValue;
        var reference = t.Mapping("authenticationRef");
        AuthenticationRef? authentication = reference?.String("name", required: true) is { } refName ? new AuthenticationRef(refName, reference.String("kind")) : null;
        reference?.RejectUnknown();
        t.Ignore("useCachedMetrics");
        var md = t.Mapping("metadata", required: true);
        t.RejectUnknown();
        if (md is null || type is not "prometheus")
        {
            return null;
        }

        WarnTypedValues(md);
        var query = md.String("query", required: true, to: nameof(MetricSpec.Query)) ?? "";
        var target = new TargetPolicyOptions { Type = metricType };
        target.Target = Number(md, "threshold", required: true, $"{nameof(MetricSpec.Target)}.{nameof(TargetPolicyOptions.Target)}") ?? target.Target;
        var activation = Number(md, "activationThreshold", required: false, nameof(MetricSpec.ActivationThreshold));
        var headers = Pairs(md, "customHeaders");
        if (md.String("cortexOrgID") is { } org)
        {
            // KEDA's older spelling of the tenant header.
            headers["X-Scope-OrgID"] = org;
        }

        var connection = new PrometheusConnection
        {
            ServerAddress = md.String("serverAddress"),
            Namespace = md.String("namespace"),
            CustomHeaders = headers,
            QueryParameters = Pairs(md, "queryParameters"),
            UnsafeSsl = GoBool(md, "unsafeSsl"),
            Timeout = Timeout(md),
            AuthModes = md.String("authModes") ?? md.String("authMode"),
            AuthenticationRef = authentication,
        };
        foreach (var key in new[] { "awsRegion", "identityOwner", "apiKey", "method", "keyParamName" })
        {
            NotCarried(md, key, "the scaler's Prometheus client has no equivalent");
        }

        var ignoreNullValues = GoBool(md, "ignoreNullValues") ?? true;
        md.Ignore("metricName");
        md.RejectUnknown();
        return new MetricSpec
        {
            Name = name,
            Query = query,
            Target = target,

            // KEDA's default is to treat an empty result as 0.
            OnFailure = onFailure with { IgnoreNullValues = ignoreNullValues },

            // Every KEDA trigger has an activation threshold (default 0); it matters only with minReplicaCount 0.
            ActivationThreshold = activation ?? 0,
            Prometheus = connection.IsEmpty ? null : connection,
        };
    }

    /// <summary>KEDA's CRD declares every metadata value a string: kubectl refuses <c>threshold: 30</c>, so say so.</summary>
    private static void WarnTypedValues(YamlFields md)
    {
        foreach (var (key, value) in ((YamlMappingNode)md.Node).Children)
        {
            if (value is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: { } text } && YamlFields.LooksTyped(text))
            {
                md.Warning(value, key.ToString(), $"write it quoted (\"{text}\"): KEDA's CRD takes every metadata value as a string, and kubectl refuses a number or boolean here");
            }
        }
    }

    private static double? Number(YamlFields md, string key, bool required, string property)
    {
        var text = md.String(key, required, to: property);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        md.Problem(md.Find(key)!, key, $"'{text}' is not a number");
        md.Context.Failed.Add($"{md.Property}.{property}");
        return null;
    }

    // KEDA reads booleans with Go's strconv.ParseBool.
    private static bool? GoBool(YamlFields md, string key)
    {
        var text = md.String(key);
        switch (text)
        {
            case null:
                return null;
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                return false;
            default:
                md.Problem(md.Find(key)!, key, $"'{text}' is not true or false");
                return null;
        }
    }

    // KEDA's maps in metadata: "Key=value,Other=value".
    private static Dictionary<string, string> Pairs(YamlFields md, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (md.String(key) is not { } text)
        {
            return result;
        }

        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                md.Problem(md.Find(key)!, key, $"'{pair}' is not NAME=VALUE (write {key}: \"A=1,B=2\")");
                continue;
            }

            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        return result;
    }

    // KEDA's timeout: a Go duration (10s, 500ms) or a number of milliseconds.
    private static TimeSpan? Timeout(YamlFields md)
    {
        var text = md.String("timeout");
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (!char.IsDigit(text[^1]) && Time.Durations.TryParse(text, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        md.Problem(md.Find("timeout")!, "timeout", $"'{text}' is not a duration (e.g. 10s, or 10000 milliseconds)");
        return null;
    }

    /// <summary>Writes <paramref name="spec"/> as a KEDA ScaledObject with one prometheus trigger per metric.</summary>
    /// <exception cref="PolicyFileException">A metric's rule has no KEDA equivalent (only target rules do).</exception>
    public static string Write(PolicySpec spec, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        options ??= new ExportOptions();
        var identity = KubernetesFormats.Identity(spec, options);
        var triggers = new YamlSequenceNode();
        // Under a formula every trigger only feeds it; KEDA still wants a threshold on each, so the formula's target goes there.
        var metrics = spec.Formula is { } formula ? [.. spec.Metrics.Select(m => (m, formula.Target))] : KubernetesFormats.Targets(spec, "KEDA");
        foreach (var (m, target) in metrics)
        {
            var trigger = new YamlMappingNode
            {
                { "type", "prometheus" },
                { "name", YamlFields.Text(m.Name) },
                { "metricType", target.Type.ToString() },
            };
            var c = m.Prometheus ?? new PrometheusConnection();
            if (c.AuthenticationRef is { } reference)
            {
                var r = new YamlMappingNode { { "name", YamlFields.Text(reference.Name) } };
                if (reference.Kind is { } kind)
                {
                    r.Add("kind", kind);
                }

                trigger.Add("authenticationRef", r);
            }

            var metadata = new YamlMappingNode();
            void Add(string key, string? value)
            {
                if (value is not null)
                {
                    metadata.Add(key, YamlFields.Text(value));
                }
            }

            Add("serverAddress", options.PrometheusUrl ?? c.ServerAddress ?? DefaultServerAddress);
            Add("query", m.Query);
            Add("threshold", Num(target.Target));
            Add("activationThreshold", Num(m.ActivationThreshold ?? 0));
            Add("ignoreNullValues", m.OnFailure.IgnoreNullValues ? "true" : "false");
            Add("namespace", c.Namespace);
            Add("customHeaders", c.CustomHeaders.Count == 0 ? null : string.Join(",", c.CustomHeaders.Select(h => $"{h.Key}={h.Value}")));
            Add("queryParameters", c.QueryParameters.Count == 0 ? null : string.Join(",", c.QueryParameters.Select(h => $"{h.Key}={h.Value}")));
            Add("unsafeSsl", c.UnsafeSsl is { } u ? (u ? "true" : "false") : null);
            Add("timeout", c.Timeout is { } timeout ? ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : null);
            Add("authModes", c.AuthModes);
            trigger.Add("metadata", metadata);
            triggers.Add(trigger);
        }

        foreach (var window in Crons(spec))
        {
            var metadata = new YamlMappingNode
            {
                { "timezone", YamlFields.Text(window.TimeZone) },
                { "start", YamlFields.Text(window.Start) },
                { "end", YamlFields.Text(window.End!) },
                { "desiredReplicas", YamlFields.Text(Int(window.MinReplicas!.Value)) },
            };
            triggers.Add(new YamlMappingNode { { "type", "cron" }, { "name", YamlFields.Text(window.Name) }, { "metadata", metadata } });
        }

        var scaleTarget = new YamlMappingNode();
        if (identity.TargetApiVersion is { } targetApi)
        {
            scaleTarget.Add("apiVersion", targetApi);
        }

        if (identity.TargetKind is { } targetKind)
        {
            scaleTarget.Add("kind", targetKind);
        }

        scaleTarget.Add("name", YamlFields.Text(identity.TargetName!));
        var s = new YamlMappingNode
        {
            { "scaleTargetRef", scaleTarget },
            { "pollingInterval", Int((int)Math.Max(1, Math.Round((spec.CheckInterval ?? DefaultPollingInterval).TotalSeconds))) },
            { "cooldownPeriod", Int((int)spec.ScaleToZeroAfter.TotalSeconds) },
            { "minReplicaCount", Int(spec.MinReplicas) },
            { "maxReplicaCount", Int(spec.MaxReplicas) },
        };
        var fallback = spec.Formula is { OnFailure.FallbackAfter: not null } withFallback ? withFallback.OnFailure
            : spec.Metrics.Select(m => m.OnFailure).FirstOrDefault(f => f.FallbackAfter is not null);
        if (fallback is not null)
        {
            s.Add("fallback", new YamlMappingNode { { "failureThreshold", Int(fallback.FallbackAfter!.Value) }, { "replicas", Int(fallback.FallbackReplicas) } });
        }

        var behavior = PolicyFile.WriteBehavior(spec.EffectiveBehavior, cooldowns: false);
        var (up, down) = KubernetesFormats.Tolerances(spec);
        foreach (var (direction, tolerance) in new[] { ("scaleUp", up), ("scaleDown", down) })
        {
            if (tolerance is { } value)
            {
                ((YamlMappingNode)behavior[direction]).Add("tolerance", YamlFields.Text(Quantities.Format(value)));
            }
        }

        var advanced = new YamlMappingNode { { "horizontalPodAutoscalerConfig", new YamlMappingNode { { "behavior", behavior } } } };
        if (spec.Formula is { } f)
        {
            advanced.Add("scalingModifiers", new YamlMappingNode
            {
                { "formula", YamlFields.Text(f.Expression) },
                { "target", YamlFields.Text(Num(f.Target.Target)) },
                { "activationTarget", YamlFields.Text(Num(f.ActivationThreshold ?? 0)) },
                { "metricType", f.Target.Type.ToString() },
            });
        }

        s.Add("advanced", advanced);
        s.Add("triggers", triggers);
        var meta = new YamlMappingNode { { "name", YamlFields.Text(identity.Name!) } };
        if (identity.Namespace is { } ns)
        {
            meta.Add("namespace", YamlFields.Text(ns));
        }

        if (spec.PausedReplicas is not null || spec.Paused)
        {
            meta.Add("annotations", spec.PausedReplicas is { } n
                ? new YamlMappingNode { { PausedReplicasAnnotation, YamlFields.Text(Int(n)) } }
                : new YamlMappingNode { { PausedAnnotation, YamlFields.Text("true") } });
        }

        var root = new YamlMappingNode
        {
            { "apiVersion", "keda.sh/v1alpha1" },
            { "kind", "ScaledObject" },
            { "metadata", meta },
            { "spec", s },
        };
        return YamlFields.Save(root);
    }

    /// <summary>
    /// The schedule windows a cron trigger can carry: a cron end and a raised minimum. Not under a formula, which would
    /// have to name the trigger (<see cref="KubernetesFormats.Unexpressed"/> says what is left out).
    /// </summary>
    internal static IEnumerable<ScheduleSpec> Crons(PolicySpec spec) =>
        spec.Formula is null ? spec.Schedules.Where(w => w.End is not null && w.MinReplicas is not null) : [];

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
