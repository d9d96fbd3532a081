using System.Globalization;
using Autoscaler.Core.Formulas;
using Autoscaler.Core.Options;
using Autoscaler.Core.Pipeline;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// <c>formula:</c> of the native policy file (KEDA's <c>scalingModifiers</c>): <c>expression</c> over the metrics'
/// names, a <c>target</c> rule for its value, <c>activationThreshold</c>, and <c>onError</c>/<c>fallback</c>. With a
/// formula, the metrics name a query (and <c>ignoreNullValues</c>) and nothing else: they only feed it. The reader
/// only maps; <see cref="Check"/> holds the rules, whatever format the formula came from.
/// </summary>
internal static class FormulaFields
{
    public static void Read(YamlFields root, PolicySpec spec)
    {
        if (root.Mapping("formula", to: nameof(PolicySpec.Formula)) is not { } f)
        {
            return;
        }

        var formula = new FormulaSpec
        {
            Name = f.String("name", to: nameof(FormulaSpec.Name)) ?? FormulaSpec.DefaultName,
            Expression = f.String("expression", required: true, to: nameof(FormulaSpec.Expression)) ?? "",
        };
        if (f.Mapping("target", required: true, to: nameof(FormulaSpec.Target)) is { } target)
        {
            formula.Target = PolicyFile.ReadTarget(target);
        }

        var (after, replicas) = PolicyFile.ReadFallback(f);
        formula.OnFailure = new MetricFailureHandling(after, replicas);
        formula.ActivationThreshold = f.Number("activationThreshold", to: nameof(FormulaSpec.ActivationThreshold));
        f.RejectUnknown();
        spec.Formula = formula;
    }

    /// <summary>With a formula, a metric's <c>onError</c> has no place (the rest is refused by <see cref="Check"/>, on the spec).</summary>
    public static void CheckInput(YamlFields m)
    {
        if (m.Find("onError") is { } node)
        {
            m.Problem(node, "onError", "with a formula, set onError on the formula, not on its inputs");
        }
    }

    /// <summary>The rules on a formula: it compiles over the metrics, its name is its own, its inputs have no rule of their own.</summary>
    public static IEnumerable<RuleProblem> Check(PolicySpec spec)
    {
        if (spec.Formula is not { } f)
        {
            yield break;
        }

        const string At = nameof(PolicySpec.Formula) + ".";
        foreach (var (prefix, instance) in new (string, object)[] { ("", f), ("Target.", f.Target), ("OnFailure.", f.OnFailure) })
        {
            foreach (var (field, problem) in OptionsCheck.Ranges(instance))
            {
                yield return new RuleProblem(At + prefix + field, problem);
            }
        }

        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            var m = spec.Metrics[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"{nameof(PolicySpec.Metrics)}[{i}].");
            if (m.Rule is not ("input" or "fixed") || m.Fixed is not null)
            {
                yield return new RuleProblem(at + char.ToUpperInvariant(m.Rule[0]) + m.Rule[1..], "with a formula, the metrics only feed it: drop this rule (the formula's target decides)");
            }

            if (m.OnFailure.FallbackAfter is not null)
            {
                yield return new RuleProblem(at + "OnFailure.FallbackAfter", "with a formula, set the fallback on the formula, not on its inputs");
            }

            if (m.ActivationThreshold is not null)
            {
                yield return new RuleProblem(at + nameof(MetricSpec.ActivationThreshold), "with a formula, set activationThreshold on the formula, not on its inputs");
            }

            if (m.Name == f.Name)
            {
                yield return new RuleProblem(At + nameof(FormulaSpec.Name), $"'{f.Name}' is the name of a metric; the formula's value needs a name of its own");
            }
        }

        if (f.Expression.Length > 0)
        {
            FormulaException? error = null;
            try
            {
                f.Compile(spec.Metrics);
            }
            catch (FormulaException e)
            {
                error = e;
            }

            if (error is not null)
            {
                yield return new RuleProblem(At + nameof(FormulaSpec.Expression), error.Message, error.Column > 0 ? error.Column - 1 : null);
            }
        }
    }

    public static void Write(YamlMappingNode root, PolicySpec spec)
    {
        if (spec.Formula is not { } f)
        {
            return;
        }

        var node = new YamlMappingNode
        {
            { "name", YamlFields.Text(f.Name) },
            { "expression", YamlFields.Text(f.Expression) },
            { "target", PolicyFile.WriteTarget(f.Target) },
        };
        if (f.ActivationThreshold is { } activation)
        {
            node.Add("activationThreshold", activation.ToString("R", CultureInfo.InvariantCulture));
        }

        PolicyFile.WriteFallback(node, f.OnFailure);
        root.Add("formula", node);
    }
}
