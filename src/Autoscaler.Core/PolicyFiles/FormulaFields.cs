using System.Globalization;
using Autoscaler.Core.Formulas;
using Autoscaler.Core.Pipeline;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// <c>formula:</c> of the native policy file (KEDA's <c>scalingModifiers</c>): <c>expression</c> over the metrics'
/// names, a <c>target</c> rule for its value, <c>activationThreshold</c>, and <c>onError</c>/<c>fallback</c>. With a
/// formula, the metrics name a query (and <c>ignoreNullValues</c>) and nothing else: they only feed it.
/// </summary>
internal static class FormulaFields
{
    private static readonly string[] InputOnly = ["onError", "fallback", "activationThreshold"];

    public static void Read(YamlFields root, PolicySpec spec)
    {
        if (root.Mapping("formula") is not { } f)
        {
            return;
        }

        var formula = new FormulaSpec
        {
            Name = f.String("name") ?? "formula",
            Expression = f.String("expression", required: true) ?? "",
        };
        if (f.Mapping("target", required: true) is { } target)
        {
            formula.Target = PolicyFile.ReadTarget(target);
        }

        var (after, replicas) = PolicyFile.ReadFallback(f);
        formula.OnFailure = new MetricFailureHandling(after, replicas);
        formula.ActivationThreshold = f.Number("activationThreshold", 0);
        f.RejectUnknown();
        if (spec.Metrics.Any(m => m.Name == formula.Name))
        {
            f.Problem(f.Find("name") ?? f.Node, "name", $"'{formula.Name}' is the name of a metric; the formula's value needs a name of its own");
        }

        if (formula.Expression.Length > 0)
        {
            try
            {
                formula.Compile(spec.Metrics);
            }
            catch (FormulaException e)
            {
                f.Problem(f.Find("expression")!, "expression", e.Message);
            }
        }

        spec.Formula = formula;
    }

    /// <summary>With a formula, a metric is an input: no rule of its own, no failure handling or activation of its own.</summary>
    public static void CheckInput(YamlFields m, IReadOnlyList<string> rules)
    {
        foreach (var rule in rules)
        {
            m.Problem(m.Find(rule)!, rule, "with a formula, the metrics only feed it: drop this rule (the formula's target decides)");
        }

        foreach (var field in InputOnly)
        {
            if (m.Find(field) is { } node)
            {
                m.Problem(node, field, $"with a formula, set {field} on the formula, not on its inputs");
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
            { "name", f.Name },
            { "expression", f.Expression },
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
