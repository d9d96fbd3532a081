using System.Globalization;
using Autoscaler.Core.Behavior;
using Autoscaler.Core.Policies;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tuning;

/// <summary>
/// The fields of one policy that <c>tune</c> may change, with the range searched for each: targets and tolerances,
/// thresholds, the behavior in force (stabilization windows, rate limits, cooldowns), the check interval, the
/// <c>predictive</c> rule's settings and the <c>slo</c> rule's headroom quantile and horizon. Replica limits, queries,
/// the SLO a rule is told and the service shape it declares are left as written (docs/tune.md).
/// </summary>
public sealed class SearchSpace
{
    private readonly Dictionary<string, TunableParameter> _byName;

    private SearchSpace(PolicySpec policy, IReadOnlyList<TunableParameter> parameters)
    {
        Policy = policy;
        Parameters = parameters;
        _byName = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The policy the space was made from (never changed by the search).</summary>
    public PolicySpec Policy { get; }

    /// <summary>The parameters, in the order of the policy file.</summary>
    public IReadOnlyList<TunableParameter> Parameters { get; }

    /// <summary>The parameter named <paramref name="name"/>; null when there is none.</summary>
    public TunableParameter? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The policy's own tunable fields, each with its default search range around the written value.</summary>
    public static SearchSpace From(PolicySpec policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var list = new List<TunableParameter>();
        void Add(string name, ParameterKind kind, double value, (double, double) bounds, double zeroSpan, Action<PolicySpec, double> set) =>
            list.Add(TunableParameter.Around(name, kind, value, bounds, zeroSpan, set));

        Add("checkInterval", ParameterKind.Duration, (policy.CheckInterval ?? PolicySpec.DefaultCheckInterval).TotalSeconds,
            TunableParameter.RangeOf<PolicySpec>(nameof(PolicySpec.CheckInterval)), 10, (s, v) => s.CheckInterval = TimeSpan.FromSeconds(v));

        for (var i = 0; i < policy.Metrics.Count; i++)
        {
            var m = policy.Metrics[i];
            var at = $"metrics[{m.Name}].";
            var index = i;
            if (m.Target is { } target)
            {
                AddTarget(list, at + "target.", target, s => s.Metrics[index].Target!);
            }
            else if (m.Threshold is { } t)
            {
                var up = TunableParameter.RangeOf<ThresholdPolicyOptions>(nameof(t.ScaleUpThreshold));
                var down = TunableParameter.RangeOf<ThresholdPolicyOptions>(nameof(t.ScaleDownThreshold));
                Add(at + "threshold.up", ParameterKind.Real, t.ScaleUpThreshold, up, 1, (s, v) => s.Metrics[index].Threshold!.ScaleUpThreshold = v);
                Add(at + "threshold.down", ParameterKind.Real, t.ScaleDownThreshold, down, 1, (s, v) => s.Metrics[index].Threshold!.ScaleDownThreshold = v);
                Add(at + "threshold.step", ParameterKind.Integer, t.Step, TunableParameter.RangeOf<ThresholdPolicyOptions>(nameof(t.Step)), 4,
                    (s, v) => s.Metrics[index].Threshold!.Step = (int)v);
            }
            else if (m.Predictive is { } p)
            {
                AddPredictive(list, at + "predictive.", p, s => s.Metrics[index].Predictive!);
            }
            else if (m.Slo is { } o)
            {
                // The bounds SloPolicyOptions.Problems checks: headroomQuantile in [0.5, 1), horizon in (0, 1h]; the
                // open ends are the nearest values a policy file writes.
                Add(at + "slo.headroomQuantile", ParameterKind.Real, o.HeadroomQuantile, (0.5, 0.999), 0.5, (s, v) => s.Metrics[index].Slo!.HeadroomQuantile = v);
                Add(at + "slo.horizon", ParameterKind.Duration, o.Horizon.TotalSeconds, (0.001, 3600), 60, (s, v) => s.Metrics[index].Slo!.Horizon = TimeSpan.FromSeconds(v));
            }
        }

        if (policy.Formula is { } formula)
        {
            AddTarget(list, "formula.target.", formula.Target, s => s.Formula!.Target);
        }

        // The behavior in force: a policy with no behavior section is tuned from the defaults it runs with.
        var behavior = policy.EffectiveBehavior;
        foreach (var (rules, direction) in new[] { (behavior.ScaleUp, "scaleUp"), (behavior.ScaleDown, "scaleDown") })
        {
            Func<PolicySpec, ScalingRules> of = direction == "scaleUp" ? s => s.Behavior!.ScaleUp : s => s.Behavior!.ScaleDown;
            var at = $"behavior.{direction}.";
            Add(at + "stabilizationWindowSeconds", ParameterKind.Integer, rules.StabilizationWindowSeconds,
                TunableParameter.RangeOf<ScalingRules>(nameof(ScalingRules.StabilizationWindowSeconds)), 300, (s, v) => of(s).StabilizationWindowSeconds = (int)v);
            for (var j = 0; j < rules.Policies.Count; j++)
            {
                var (rule, k) = (rules.Policies[j], j);
                var p = string.Create(CultureInfo.InvariantCulture, $"{at}policies[{j}].");
                Add(p + "value", ParameterKind.Integer, rule.Value, TunableParameter.RangeOf<ScalingRule>(nameof(ScalingRule.Value)), 4,
                    (s, v) => of(s).Policies[k] = of(s).Policies[k] with { Value = (int)v });
                Add(p + "periodSeconds", ParameterKind.Integer, rule.PeriodSeconds, TunableParameter.RangeOf<ScalingRule>(nameof(ScalingRule.PeriodSeconds)), 60,
                    (s, v) => of(s).Policies[k] = of(s).Policies[k] with { PeriodSeconds = (int)v });
            }

            Add(at + "cooldown", ParameterKind.Duration, rules.Cooldown.TotalSeconds, TunableParameter.RangeOf<ScalingRules>(nameof(ScalingRules.Cooldown)), 300,
                (s, v) => of(s).Cooldown = TimeSpan.FromSeconds(v));
        }

        return new SearchSpace(policy, list);
    }

    private static void AddTarget(List<TunableParameter> list, string at, TargetPolicyOptions g, Func<PolicySpec, TargetPolicyOptions> of)
    {
        var tolerance = TunableParameter.RangeOf<TargetPolicyOptions>(nameof(g.Tolerance));
        list.Add(TunableParameter.Around(at + "value", ParameterKind.Real, g.Target, TunableParameter.RangeOf<TargetPolicyOptions>(nameof(g.Target)), 1, (s, v) => of(s).Target = v));
        list.Add(TunableParameter.Around(at + "tolerance", ParameterKind.Real, g.Tolerance, tolerance, 0.4, (s, v) => of(s).Tolerance = v));

        // The per-direction tolerances follow tolerance unless written; only a written one is a field of its own.
        if (g.ScaleUpTolerance is { } up)
        {
            list.Add(TunableParameter.Around(at + "scaleUpTolerance", ParameterKind.Real, up, tolerance, 0.4, (s, v) => of(s).ScaleUpTolerance = v));
        }

        if (g.ScaleDownTolerance is { } down)
        {
            list.Add(TunableParameter.Around(at + "scaleDownTolerance", ParameterKind.Real, down, tolerance, 0.4, (s, v) => of(s).ScaleDownTolerance = v));
        }
    }

    private static void AddPredictive(List<TunableParameter> list, string at, PredictivePolicyOptions p, Func<PolicySpec, PredictivePolicyOptions> of)
    {
        var value = TunableParameter.RangeOf<PredictivePolicyOptions>(nameof(p.Target));
        list.Add(TunableParameter.Around(at + "value", ParameterKind.Real, p.Target, value, 1, (s, v) => of(s).Target = v));
        if (p.ReactiveTarget is { } reactive)
        {
            // At least value (a rule that compares fields, which Apply checks); here only the field's own bound.
            list.Add(TunableParameter.Around(at + "reactiveValue", ParameterKind.Real, reactive, value, 1, (s, v) => of(s).ReactiveTarget = v));
        }

        list.Add(TunableParameter.Around(at + "tolerance", ParameterKind.Real, p.Tolerance, TunableParameter.RangeOf<PredictivePolicyOptions>(nameof(p.Tolerance)), 0.4, (s, v) => of(s).Tolerance = v));

        // PredictivePolicyOptions.Problems: a horizon above 0 and at most half a season.
        list.Add(TunableParameter.Around(at + "horizon", ParameterKind.Duration, p.Horizon.TotalSeconds, (0.001, p.SeasonLength.TotalSeconds / 2), 60, (s, v) => of(s).Horizon = TimeSpan.FromSeconds(v)));
        if (p.Method == ForecastMethod.HoltWinters)
        {
            // Problems() wants alpha above 0 (its [Range] allows 0); 0.001 is the nearest a search needs.
            list.Add(TunableParameter.Around(at + "alpha", ParameterKind.Real, p.Alpha, (0.001, 1), 0.5, (s, v) => of(s).Alpha = v));
            list.Add(TunableParameter.Around(at + "beta", ParameterKind.Real, p.Beta, TunableParameter.RangeOf<PredictivePolicyOptions>(nameof(p.Beta)), 0.4, (s, v) => of(s).Beta = v));
            list.Add(TunableParameter.Around(at + "gamma", ParameterKind.Real, p.Gamma, TunableParameter.RangeOf<PredictivePolicyOptions>(nameof(p.Gamma)), 0.4, (s, v) => of(s).Gamma = v));
        }
    }

    /// <summary>
    /// This space with the ranges <c>--param</c> gives: <c>NAME=LO..HI</c> searches only that range, <c>NAME=VALUE</c> fixes
    /// the field at a value. Durations take units (<c>checkInterval=5s..30s</c>).
    /// </summary>
    /// <exception cref="ScenarioException">One line per bad argument, each naming it: malformed, an unknown name, an empty or inverted range, a value outside the field's bounds, a name given twice.</exception>
    public SearchSpace Narrow(IEnumerable<string> paramArgs)
    {
        ArgumentNullException.ThrowIfNull(paramArgs);
        var narrowed = new Dictionary<string, TunableParameter>(_byName, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var arg in paramArgs)
        {
            if (NarrowOne(arg, seen) is { } result)
            {
                if (result.Problem is { } problem)
                {
                    problems.Add($"--param {arg}: {problem}");
                }
                else
                {
                    narrowed[result.Parameter!.Name] = result.Parameter;
                }
            }
        }

        return problems.Count > 0
            ? throw new ScenarioException(problems)
            : new SearchSpace(Policy, [.. Parameters.Select(p => narrowed[p.Name])]);
    }

    private (TunableParameter? Parameter, string? Problem)? NarrowOne(string arg, HashSet<string> seen)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return (null, "write NAME=LO..HI to search a range or NAME=VALUE to fix a field");
        }

        var name = arg[..equals].Trim();
        var text = arg[(equals + 1)..].Trim();
        if (Find(name) is not { } parameter)
        {
            return (null, $"'{name}' is not a tunable field of this policy; it has {string.Join(", ", Parameters.Select(p => p.Name))}");
        }

        if (!seen.Add(name))
        {
            return (null, $"'{name}' is given twice; give each field once");
        }

        var dots = text.IndexOf("..", StringComparison.Ordinal);
        var (loText, hiText) = dots < 0 ? (text, text) : (text[..dots], text[(dots + 2)..]);
        if (loText.Trim().Length == 0 || hiText.Trim().Length == 0)
        {
            return (null, $"the range of '{name}' is empty; write LO..HI with both ends, or one value to fix it");
        }

        var what = parameter.Kind switch
        {
            ParameterKind.Duration => "a duration (e.g. 30s)",
            ParameterKind.Integer => "a whole number",
            _ => "a number",
        };
        if (parameter.Parse(loText) is not { } lo)
        {
            return (null, $"'{loText.Trim()}' is not {what} for '{name}'");
        }

        if (parameter.Parse(hiText) is not { } hi)
        {
            return (null, $"'{hiText.Trim()}' is not {what} for '{name}'");
        }

        (lo, hi) = (parameter.Round(lo), parameter.Round(hi));
        if (lo > hi)
        {
            return (null, $"the range of '{name}' is inverted: {parameter.Format(lo)} is above {parameter.Format(hi)}; write LO..HI");
        }

        if (lo < parameter.Min || hi > parameter.Max)
        {
            var shown = lo == hi ? parameter.Format(lo) : $"{parameter.Format(lo)}..{parameter.Format(hi)}";
            return (null, $"{shown} is outside what '{name}' accepts: {parameter.DescribeBounds()}");
        }

        return (parameter with { SearchMin = lo, SearchMax = hi }, null);
    }

    /// <summary>Same as <c>From(policy).Apply(values)</c>.</summary>
    /// <exception cref="ScenarioException">An unknown name, a value outside its field's bounds, or a candidate a policy file could not hold.</exception>
    public static PolicySpec Apply(PolicySpec policy, IReadOnlyDictionary<string, double> values) => From(policy).Apply(values);

    /// <summary>
    /// A new policy: a deep copy of <see cref="Policy"/> with <paramref name="values"/> set (the rest as written),
    /// checked by the rules every policy file passes. The original is never changed.
    /// </summary>
    /// <exception cref="ScenarioException">An unknown name, a value outside its field's bounds, or a candidate a policy file could not hold (e.g. threshold down above up); one line each.</exception>
    public PolicySpec Apply(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var problems = new List<string>();

        // The writer writes every field of every format read, numbers exactly, so reading it back is a deep copy.
        var copy = PolicyFile.Parse(PolicyFile.Write(Policy), "candidate");
        foreach (var (name, raw) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (Find(name) is not { } parameter)
            {
                problems.Add($"'{name}' is not a tunable field of this policy");
                continue;
            }

            var value = parameter.Round(raw);
            if (!(value >= parameter.Min && value <= parameter.Max))
            {
                problems.Add($"{name}: {parameter.Format(value)} is outside {parameter.DescribeBounds()}");
                continue;
            }

            parameter.Set(copy, value);
        }

        if (problems.Count == 0)
        {
            problems.AddRange(PolicyRules.Check(copy).Select(p => $"candidate {Describe(values)}: {p.Property}: {p.Message}"));
        }

        return problems.Count > 0 ? throw new ScenarioException(problems) : copy;
    }

    private string Describe(IReadOnlyDictionary<string, double> values) =>
        string.Join(", ", values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={Find(v.Key)?.Format(v.Value)}"));
}
