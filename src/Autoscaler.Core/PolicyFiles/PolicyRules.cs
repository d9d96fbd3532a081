using System.Globalization;
using Autoscaler.Core.Options;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>A rule a policy breaks: the spec property (e.g. <c>Metrics[0].Threshold.ScaleDownThreshold</c>), what is wrong, and for a query where in it.</summary>
/// <param name="Property">Path of the property in <see cref="PolicySpec"/>.</param>
/// <param name="Message">The problem, with the value; <c>{Field}</c> names a sibling property.</param>
/// <param name="Offset">For a query: the 0-based position in it.</param>
internal sealed record RuleProblem(string Property, string Message, int? Offset = null);

/// <summary>
/// Every rule of a policy, checked once on the spec whatever format it was read from, by the options' own
/// validators (DataAnnotations ranges, their cross-field rules, <c>Problems()</c>) and the PromQL check; the readers
/// only map fields and lines, and <see cref="Report"/> puts each problem back on its line under the file's field name.
/// </summary>
internal static class PolicyRules
{
    public static List<RuleProblem> Check(PolicySpec spec)
    {
        var problems = new List<RuleProblem>();
        void Add(string prefix, IEnumerable<(string Field, string Problem)> found) =>
            problems.AddRange(found.Select(f => new RuleProblem(prefix + f.Field, f.Problem)));

        var limits = spec.ToLimits();
        Add("", OptionsCheck.Ranges(limits));
        Add("", limits.Problems());
        Add("", OptionsCheck.Ranges(spec));
        if (spec.Metrics.Count == 0)
        {
            problems.Add(new RuleProblem("Metrics", "needs at least one metric"));
        }
        else if (spec.Metrics.Count > PolicySpec.MaxMetrics)
        {
            problems.Add(new RuleProblem("Metrics", string.Create(CultureInfo.InvariantCulture, $"has {spec.Metrics.Count} metrics, more than the {PolicySpec.MaxMetrics} a policy may have")));
        }

        if (spec.Schedules.Count > PolicySpec.MaxSchedules)
        {
            problems.Add(new RuleProblem("Schedules", string.Create(CultureInfo.InvariantCulture, $"has {spec.Schedules.Count} windows, more than the {PolicySpec.MaxSchedules} a policy may have")));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            var m = spec.Metrics[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"Metrics[{i}].");
            if (m.Name.Length > 0 && !names.Add(m.Name))
            {
                problems.Add(new RuleProblem(at + "Name", $"'{m.Name}' is used by another metric"));
            }

            if (m.Fixed is null && m.Query.Length == 0)
            {
                problems.Add(new RuleProblem(at + "Query", "is required (a PromQL query that yields one value)"));
            }

            Queries(problems, at + "Query", m.Query);
            Add(at, OptionsCheck.Ranges(m));
            Add(at + "OnFailure.", OptionsCheck.Ranges(m.OnFailure));
            if (m.Threshold is { } t)
            {
                Add(at + "Threshold.", OptionsCheck.Ranges(t));
                Add(at + "Threshold.", t.Problems());
            }

            if (m.Target is { } g)
            {
                Add(at + "Target.", OptionsCheck.Ranges(g));
            }

            if (m.Predictive is { } p)
            {
                Add(at + "Predictive.", p.Problems());
            }

            if (m.Slo is { } o)
            {
                Add(at + "Slo.", o.Problems());
                Queries(problems, at + "Slo.Learn.Utilization", o.Learn.Utilization);
                Queries(problems, at + "Slo.Learn.Throughput", o.Learn.Throughput);
                Queries(problems, at + "Slo.Learn.Latency", o.Learn.Latency);
            }
        }

        problems.AddRange(PauseFields.Check(spec));
        problems.AddRange(ScheduleFields.Check(spec));
        problems.AddRange(FormulaFields.Check(spec));
        if (spec.Behavior is { } behavior)
        {
            foreach (var (rules, direction) in new[] { (behavior.ScaleUp, "ScaleUp"), (behavior.ScaleDown, "ScaleDown") })
            {
                Add($"Behavior.{direction}.", OptionsCheck.Ranges(rules));
                for (var j = 0; j < rules.Policies.Count; j++)
                {
                    Add(string.Create(CultureInfo.InvariantCulture, $"Behavior.{direction}.Policies[{j}]."), OptionsCheck.Ranges(rules.Policies[j]));
                }
            }
        }

        return problems;
    }

    private static void Queries(List<RuleProblem> problems, string property, string? query)
    {
        if (query is { Length: > 0 })
        {
            problems.AddRange(PromQl.Check(query).Select(p => new RuleProblem(property, p.Message, p.Offset)));
        }
    }

    /// <summary>
    /// Checks <paramref name="spec"/> and adds each problem to <paramref name="context"/> on the line and under the
    /// field name the reader recorded for its property (its parent's, for a property the file left out).
    /// Rules about a value that could not be read are left out: the reader has said what is wrong with it.
    /// </summary>
    public static void Report(PolicySpec spec, ReadContext context)
    {
        foreach (var problem in Check(spec))
        {
            var parent = Parent(problem.Property);
            var others = OptionsCheck.OtherField().Matches(problem.Message).Select(m => Join(parent, m.Groups[1].Value));
            if (FailedOrUnder(context, problem.Property) || others.Any(o => FailedOrUnder(context, o)))
            {
                continue;
            }

            var (node, field, present) = Locate(context, problem.Property);
            var message = OptionsCheck.OtherField().Replace(problem.Message, m => Name(context, Join(parent, m.Groups[1].Value)));
            var line = (int)node.Start.Line;
            int? column = null;
            if (problem.Offset is { } offset)
            {
                if (present && Column(node, offset) is { } at)
                {
                    (line, column) = at;
                }
                else
                {
                    message += string.Create(CultureInfo.InvariantCulture, $" (at position {offset + 1} of the query)");
                }
            }

            context.Add(new PolicyProblem(context.Source, line, field, message, column));
        }
    }

    private static bool FailedOrUnder(ReadContext context, string property) =>
        context.Failed.Contains(property) || context.Failed.Any(f => property.StartsWith(f + ".", StringComparison.Ordinal));

    private static (YamlNode Node, string Field, bool Present) Locate(ReadContext context, string property)
    {
        if (context.Origins.TryGetValue(property, out var origin))
        {
            return (origin.Node, origin.Field, origin.Present);
        }

        var parent = Parent(property);
        var leaf = Camel(property[(parent.Length == 0 ? 0 : parent.Length + 1)..]);
        while (parent.Length > 0 && !context.Origins.ContainsKey(parent))
        {
            var up = Parent(parent);
            leaf = Camel(parent[(up.Length == 0 ? 0 : up.Length + 1)..]) + "." + leaf;
            parent = up;
        }

        return parent.Length > 0 && context.Origins.TryGetValue(parent, out var found)
            ? (found.Node, $"{found.Field}.{leaf}", false)
            : (context.Root ?? new YamlScalarNode(""), leaf, false);
    }

    private static string Name(ReadContext context, string property) =>
        context.Origins.TryGetValue(property, out var origin) ? origin.Key : Camel(property[(property.LastIndexOf('.') + 1)..]);

    private static string Parent(string property)
    {
        var dot = property.LastIndexOf('.');
        return dot < 0 ? "" : property[..dot];
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>The line and column of <paramref name="offset"/> in a one-line scalar written as it reads (no escapes).</summary>
    private static (int Line, int Column)? Column(YamlNode node, int offset)
    {
        if (node is not YamlScalarNode { Value: { } text } scalar || node.Start.Line != node.End.Line)
        {
            return null;
        }

        var quote = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
            || node.End.Column - node.Start.Column - (2 * quote) != text.Length)
        {
            return null;
        }

        return ((int)node.Start.Line, (int)node.Start.Column + quote + offset);
    }
}
