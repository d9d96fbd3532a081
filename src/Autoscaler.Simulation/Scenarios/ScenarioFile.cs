using System.Globalization;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Workloads;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Simulation.Scenarios;

/// <summary>
/// Reads a scenario file (YAML, docs/simulation.md). Every problem is reported at once as
/// <c>file:line: field: what is wrong</c>; unknown fields are refused.
/// </summary>
public static class ScenarioFile
{
    /// <summary>Policies run when a scenario names none.</summary>
    public static IReadOnlyList<string> DefaultPolicies { get; } = [BuiltInPolicies.Threshold, BuiltInPolicies.Hpa];

    // What a scenario holds when its file leaves a field out: Scenario's own defaults.
    private static readonly Scenario Defaults = new() { Duration = TimeSpan.FromSeconds(1), Workload = new ConstantRate(0) };

    /// <summary>Reads and resolves a scenario file (policy files and traces relative to its directory).</summary>
    /// <exception cref="ScenarioException">The file cannot be read or is not a valid scenario.</exception>
    public static Scenario Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = YamlText.Read(path, null, "scenario");
        }
        catch (InvalidDataException e)
        {
            throw new ScenarioException($"{path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new ScenarioException($"{path}: cannot read the scenario: {reason}");
        }

        var full = Path.GetFullPath(path);
        return Parse(text, path, Path.GetDirectoryName(full) ?? Directory.GetCurrentDirectory(), Path.GetFileNameWithoutExtension(full));
    }

    /// <summary>Reads a scenario from YAML text; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="ScenarioException">The text is not a valid scenario; all problems are listed.</exception>
    public static Scenario Parse(string text, string source, string baseDirectory, string name = "scenario")
    {
        var problems = new List<string>();
        YamlFields root;
        try
        {
            root = YamlFields.Root(source, text, problems, "duration, workload, policies");
        }
        catch (PolicyFileException e)
        {
            throw new ScenarioException(e.Problems);
        }

        var seed = root.Integer("seed") ?? 0;
        var duration = PositiveDuration(root, "duration", Scenario.MaxDuration, RatePatterns.MaxDurationText);
        var step = PositiveDuration(root, "step", Scenario.MaxDuration, RatePatterns.MaxDurationText) ?? TimeSpan.FromSeconds(1);
        IRatePattern? workload = null;
        var isTrace = false;
        var fleet = root.Has("services");
        if (fleet)
        {
            // With services, what is per service lives under each; only the shared fields stay at the top.
            foreach (var key in (string[])["workload", "service"])
            {
                if (root.KeyNode(key) is { } misplaced)
                {
                    root.Problem(misplaced, key, $"belongs to each service when the scenario lists services: move it under services[i].{key}");
                }
            }
        }
        else if (root.Find("workload") is YamlScalarNode { Value: { Length: > 0 } patternText })
        {
            // The textual syntax of `autoscaler load --pattern`, e.g. workload: poisson(diurnal(min=20, max=200))
            workload = WorkloadSpec.ParseText(root, "workload", patternText, new WorkloadContext(baseDirectory, seed));
        }
        else if (root.Mapping("workload", required: true) is { } w)
        {
            workload = WorkloadSpec.Parse(w, new WorkloadContext(baseDirectory, seed));
            isTrace = w.String("type") == RatePatterns.Trace;
        }

        if (duration is null && !root.Has("duration"))
        {
            if (workload is TraceRate trace)
            {
                duration = TraceLength(trace);
            }
            else if (!isTrace)
            {
                root.Problem(root.Node, "duration", "is required (e.g. 30m, 2h, 30d)");
            }
        }

        if (duration is { } d && step > d)
        {
            root.Problem(root.Find("step")!, "step", $"{Durations.Format(step)} is longer than duration {Durations.Format(d)}");
        }
        else if (duration is { } run && run / step > Scenario.MaxSteps)
        {
            root.Problem(root.Find("step") ?? root.Node, "step", StepsProblem(run, step));
        }

        var service = fleet ? new ServiceModelSpec() : Service(root.Mapping("service"));
        var observation = Observation(root.Mapping("observation"));
        var slo = Slo(root.Mapping("slo"));
        var cost = root.Number("costPerReplicaHour", 0) ?? Defaults.CostPerReplicaHour;
        var replicas = root.Mapping("replicas");
        var (min, max, initial) = fleet
            ? (Defaults.MinReplicas, Defaults.MaxReplicas, Defaults.InitialReplicas)
            : Replicas(replicas, "caps the replicas of several services (a services list); a scenario of one service is bounded by replicas.max");
        var total = fleet ? Total(replicas) : null;

        var policies = new List<PolicyChoice>();
        var names = PolicyNames(root);
        var services = fleet ? Services(root, new WorkloadContext(baseDirectory, seed), slo, total, baseDirectory) : [];
        if (fleet && services.Count > 0 && services.All(f => f.OwnPolicy is not null))
        {
            if (root.KeyNode("policies") is { } listed)
            {
                root.Problem(listed, "policies", "every service names its own policy (its policy field), so no service would run these; leave a service's policy out to compare policies on it");
            }

            names = [];
            policies.Add(new PolicyChoice(Scenario.OwnPoliciesRun, services[0].OwnPolicy!.Spec));
        }

        if (problems.Count == 0)
        {
            // Built-in policies depend on the service (the HPA target is a share of a replica's capacity).
            foreach (var (policy, node) in names)
            {
                try
                {
                    if (BuiltInPolicies.Resolve(policy, service, slo, min, max, baseDirectory) is { } choice)
                    {
                        if (Scenario.Repeated(policies, choice) is { } repeated)
                        {
                            root.Problem(node ?? root.Node, "policies", repeated);
                            continue;
                        }

                        policies.Add(choice);
                    }
                }
                catch (ScenarioException e)
                {
                    foreach (var problem in e.Problems)
                    {
                        root.Problem(node ?? root.Node, "policies", problem);
                    }
                }
            }
        }

        root.RejectUnknown();
        if (problems.Count > 0)
        {
            throw new ScenarioException(problems);
        }

        return new Scenario
        {
            Name = name,
            Duration = duration!.Value,
            Step = step,
            Seed = seed,
            Workload = fleet ? new ConstantRate(0) : workload!, // a fleet's workloads are its services'
            Service = service,
            Observation = observation,
            Slo = slo,
            CostPerReplicaHour = cost,
            MinReplicas = min,
            MaxReplicas = max,
            InitialReplicas = initial,
            Policies = policies,
            Services = fleet ? [.. services.Select(f => f with { Policies = FleetPolicies(f, policies, slo, baseDirectory) })] : [],
            TotalReplicas = total,
        };
    }

    // What one service runs in each run: the run's policy resolved against the service (the runs were resolved
    // without error against the defaults, so a file reads the same here), or its own policy under the run's name.
    private static List<PolicyChoice> FleetPolicies(FleetService service, IReadOnlyList<PolicyChoice> runs, SloSpec slo, string baseDirectory) =>
        [.. runs.Select(run => service.OwnPolicy is { } own
            ? own with { Name = run.Name }
            : BuiltInPolicies.Resolve(run.File ?? run.Name, service.Service, slo, service.MinReplicas, service.MaxReplicas, baseDirectory)!)];

    /// <summary>A service's name: it names a directory of the output, so letters, digits, '-', '_' and '.' only.</summary>
    private static bool IsServiceName(string name) =>
        name.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static List<FleetService> Services(YamlFields root, WorkloadContext workloads, SloSpec slo, int? total, string baseDirectory)
    {
        var list = root.MappingList("services", max: (FleetService.MaxServices, "services a scenario may list"));
        if (list.Count == 0 && root.Find("services") is YamlSequenceNode { Children.Count: 0 } empty)
        {
            root.Problem(empty, "services", "is empty: list at least one service ({name, workload}), or leave services out for a scenario of one service");
        }

        var services = new List<FleetService>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var f = list[i];
            var name = f.String("name", required: true);
            if (name is not null && !IsServiceName(name))
            {
                f.Problem(f.Find("name")!, "name", $"'{name}' must start with a letter or digit and hold only letters, digits, '-', '_' and '.' (at most 63): it names the service's output directory");
                name = null;
            }
            else if (name is not null && seen.TryGetValue(name, out var first))
            {
                f.Problem(f.Find("name")!, "name", string.Create(CultureInfo.InvariantCulture, $"'{name}' is the name of services[{first}] too; each service needs a name of its own (it names its rows and its output directory)"));
                name = null;
            }

            IRatePattern? workload = null;
            if (f.Find("workload") is YamlScalarNode { Value: { Length: > 0 } text })
            {
                workload = WorkloadSpec.ParseText(f, "workload", text, workloads);
            }
            else if (f.Mapping("workload", required: true) is { } w)
            {
                workload = WorkloadSpec.Parse(w, workloads);
            }

            var model = Service(f.Mapping("service"));
            var (min, max, initial) = Replicas(f.Mapping("replicas"), "is the cap on all services together: set it at the top level, replicas: {total: N}");

            PolicyChoice? own = null;
            if (f.String("policy") is { Length: > 0 } policy)
            {
                try
                {
                    own = BuiltInPolicies.Resolve(policy, model, slo, min, max, baseDirectory);
                    if (own is null)
                    {
                        f.Problem(f.Find("policy")!, "policy", "oracle always runs; name the policy this service runs (threshold, hpa, predictive, slo or a policy file)");
                    }
                }
                catch (ScenarioException e)
                {
                    foreach (var problem in e.Problems)
                    {
                        f.Problem(f.Find("policy")!, "policy", problem);
                    }
                }
            }

            f.RejectUnknown();
            if (name is null || workload is null)
            {
                continue;
            }

            seen[name] = i;
            services.Add(new FleetService
            {
                Name = name,
                Workload = workload,
                Service = model,
                MinReplicas = min,
                MaxReplicas = max,
                InitialReplicas = initial,
                OwnPolicy = own,
            });
        }

        if (total is { } cap && services.Count == list.Count && root.Find("replicas") is YamlMappingNode replicas)
        {
            var at = replicas.Children.TryGetValue(new YamlScalarNode("total"), out var node) ? node : replicas;
            var c = CultureInfo.InvariantCulture;
            var mins = services.Sum(f => (long)f.MinReplicas);
            var starts = services.Sum(f => (long)Math.Clamp(f.InitialReplicas, f.MinReplicas, Math.Max(f.MinReplicas, f.MaxReplicas)));
            if (mins > cap)
            {
                root.Problem(at, "replicas.total", string.Create(c,
                    $"{cap} is below the services' minimums, {mins} in all ({string.Join(", ", services.Select(f => $"{f.Name} {f.MinReplicas}"))}): no count would fit; raise it to at least {mins} or lower a replicas.min"));
            }
            else if (starts > cap)
            {
                root.Problem(at, "replicas.total", string.Create(c,
                    $"{cap} is below the replicas the services start with, {starts} in all ({string.Join(", ", services.Select(f => $"{f.Name} {Math.Clamp(f.InitialReplicas, f.MinReplicas, Math.Max(f.MinReplicas, f.MaxReplicas))}"))}); raise it or lower a replicas.initial"));
            }
        }

        return services;
    }

    private static int? Total(YamlFields? r)
    {
        if (r is null)
        {
            return null;
        }

        foreach (var key in (string[])["min", "max", "initial"])
        {
            if (r.KeyNode(key) is { } misplaced)
            {
                r.Problem(misplaced, key, $"belongs to each service when the scenario lists services: move it under services[i].replicas.{key}; here only total (the cap on all services together)");
            }
        }

        var total = r.Integer("total", 1, ScalingLimits.Largest);
        r.RejectUnknown();
        return total;
    }

    /// <summary>How long a run of <paramref name="trace"/> lasts by default: its last row plus the spacing of the rows before it.</summary>
    public static TimeSpan TraceLength(TraceRate trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var points = trace.Points;
        if (points.Count < 2)
        {
            return trace.LastPointAt + TimeSpan.FromSeconds(1);
        }

        return trace.LastPointAt + ((points[^1].At - points[^2].At) * trace.TimeScale);
    }

    /// <summary>Why <paramref name="duration"/> in steps of <paramref name="step"/> is refused: too many steps.</summary>
    internal static string StepsProblem(TimeSpan duration, TimeSpan step) => string.Create(CultureInfo.InvariantCulture,
        $"{Durations.Format(step)} makes {duration / step:N0} steps of a {Durations.Humanize(duration)} run, more than the {Scenario.MaxSteps:N0} a run may have; use a longer step or a shorter run");

    private static TimeSpan? PositiveDuration(YamlFields f, string key, TimeSpan max, string? maxText = null)
    {
        var text = f.String(key);
        if (text is null)
        {
            return null;
        }

        if (text.TrimStart().StartsWith('-') || (Durations.TryParse(text, out var value) && value <= TimeSpan.Zero))
        {
            f.Problem(f.Find(key)!, key, $"'{text}' must be longer than 0 (e.g. 10m)");
            return null;
        }

        if (!Durations.TryParse(text, out value))
        {
            f.Problem(f.Find(key)!, key, $"'{text}' is not a duration (e.g. 1s, 30m, 2h, 30d, 1w)");
            return null;
        }

        if (value > max)
        {
            f.Problem(f.Find(key)!, key, $"{text} is longer than {maxText ?? Durations.Humanize(max)}, the longest the tool takes here");
            return null;
        }

        return value;
    }

    private static ServiceModelSpec Service(YamlFields? s)
    {
        var spec = new ServiceModelSpec();
        if (s is null)
        {
            return spec;
        }

        spec = spec with
        {
            Workers = s.Integer("workers", 1, ServiceModelSpec.MaxWorkers) ?? spec.Workers,
            ServiceTime = PositiveDuration(s, "serviceTime", ServiceModelSpec.MaxDelay) ?? spec.ServiceTime,
            Distribution = s.Enum<ServiceTimeDistribution>("distribution") ?? spec.Distribution,
            QueueLimit = s.Integer("queueLimit", 0, ServiceModelSpec.MaxQueueLimit) ?? spec.QueueLimit,
            StartupDelay = s.Duration("startupDelay", max: ServiceModelSpec.MaxDelay, maxText: "1h") ?? spec.StartupDelay,
            DrainTime = s.Duration("drainTime", max: ServiceModelSpec.MaxDelay, maxText: "1h") ?? spec.DrainTime,
        };
        s.RejectUnknown();
        return spec;
    }

    private static ObservationSpec Observation(YamlFields? o)
    {
        var spec = new ObservationSpec();
        if (o is null)
        {
            return spec;
        }

        var scrape = PositiveDuration(o, "scrapeInterval", ObservationSpec.MaxWindow) ?? spec.ScrapeInterval;
        var noise = o.Number("noise", 0, 1) ?? 0;
        var metrics = new List<ObservedMetric>();
        foreach (var m in o.MappingList("metrics", max: (PolicySpec.MaxMetrics, "metrics a scenario may observe")))
        {
            var name = m.String("name", required: true);
            var kind = m.Enum<ObservedKind>("kind");
            if (kind is null && !m.Has("kind"))
            {
                m.Problem(m.Node, "kind", $"is required: one of {string.Join(", ", Enum.GetNames<ObservedKind>().Select(Runner.SimulationRunner.Camel))}");
            }

            var window = m.Duration("window", max: ObservationSpec.MaxWindow, maxText: "1d") ?? TimeSpan.FromSeconds(30);
            var aggregation = m.Enum<ObservedAggregation>("aggregate") ?? (kind == ObservedKind.RequestRate ? ObservedAggregation.Sum : ObservedAggregation.Avg);
            if (aggregation == ObservedAggregation.Sum && kind is ObservedKind.ResponseTime or ObservedKind.P95ResponseTime)
            {
                m.Problem(m.Find("aggregate")!, "aggregate", "latencies are averaged over replicas, not summed; use avg");
            }

            var metricNoise = m.Number("noise", 0, 1) ?? noise;
            m.RejectUnknown();
            if (name is not null && kind is { } k)
            {
                metrics.Add(new ObservedMetric(name, k, window, aggregation, metricNoise));
            }
        }

        o.RejectUnknown();
        return spec with { ScrapeInterval = scrape, Noise = noise, Metrics = metrics };
    }

    private static SloSpec Slo(YamlFields? s)
    {
        var defaults = Defaults.Slo;
        if (s is null)
        {
            return defaults;
        }

        var latency = PositiveDuration(s, "latency", ServiceModelSpec.MaxDelay)?.TotalSeconds ?? defaults.LatencySeconds;
        var statistic = s.Enum<LatencyStatistic>("statistic") ?? defaults.Statistic;
        var errors = s.Number("maxErrorRate", 0, 1) ?? defaults.MaxErrorRate;
        var budget = s.Number("violationBudget", 0, 1) ?? defaults.ViolationBudget;
        s.RejectUnknown();
        return new SloSpec(latency, statistic, errors, budget);
    }

    private static (int Min, int Max, int Initial) Replicas(YamlFields? r, string totalProblem)
    {
        if (r is null)
        {
            return (Defaults.MinReplicas, Defaults.MaxReplicas, Defaults.InitialReplicas);
        }

        var min = r.Integer("min", 0, ScalingLimits.Largest) ?? Defaults.MinReplicas;
        var max = r.Integer("max", 1, ScalingLimits.Largest) ?? Defaults.MaxReplicas;
        var initial = r.Integer("initial", 0, ScalingLimits.Largest) ?? Math.Max(1, min);
        if (min > max)
        {
            r.Problem(r.Find("min")!, "min", string.Create(CultureInfo.InvariantCulture, $"{min} must not exceed max {max}"));
        }

        if (r.KeyNode("total") is { } total)
        {
            r.Problem(total, "total", totalProblem);
        }

        r.RejectUnknown();
        return (min, max, initial);
    }

    private static List<(string Name, YamlNode? Node)> PolicyNames(YamlFields root)
    {
        var node = root.Find("policies");
        switch (node)
        {
            case null:
                return [.. DefaultPolicies.Select(p => (p, (YamlNode?)null))];
            case YamlSequenceNode { Children.Count: > Scenario.MaxPolicies } list:
                root.Problem(list, "policies", string.Create(CultureInfo.InvariantCulture, $"has {list.Children.Count} items, more than the {Scenario.MaxPolicies} policies a run may compare"));
                return [];
            case YamlSequenceNode list:
                var names = new List<(string, YamlNode?)>();
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (list.Children[i] is YamlScalarNode { Value: { Length: > 0 } value })
                    {
                        names.Add((value, list.Children[i]));
                    }
                    else
                    {
                        root.Problem(list.Children[i], string.Create(CultureInfo.InvariantCulture, $"policies[{i}]"), $"must be a policy name ({string.Join(", ", BuiltInPolicies.Names)}) or a policy file");
                    }
                }

                return names;
            default:
                root.Problem(node, "policies", $"must be a list of policy names ({string.Join(", ", BuiltInPolicies.Names)}) or policy files");
                return [];
        }
    }
}
