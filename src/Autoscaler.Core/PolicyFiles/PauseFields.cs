using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// <c>paused</c> and <c>pausedReplicas</c> of the native policy file: the policy starts paused, at the target's count or
/// at a given one (KEDA's <c>autoscaling.keda.sh/paused</c> and <c>autoscaling.keda.sh/paused-replicas</c> annotations).
/// </summary>
internal static class PauseFields
{
    public static void Read(YamlFields root, PolicySpec spec)
    {
        var paused = root.Boolean("paused", to: nameof(PolicySpec.Paused));
        spec.PausedReplicas = root.Integer("pausedReplicas", to: nameof(PolicySpec.PausedReplicas));
        spec.Paused = paused ?? false;
        if (spec.PausedReplicas is { } n && paused == false)
        {
            root.Problem(root.Find("paused")!, "paused", $"false contradicts pausedReplicas: {n}; drop one of them");
        }
    }

    /// <summary>The rules on the pause, whatever format it was read from (the range is the property's own).</summary>
    public static IEnumerable<RuleProblem> Check(PolicySpec spec)
    {
        // As KEDA's paused-replicas, it may go below the minimum (0 for maintenance), but never above the maximum.
        if (spec.PausedReplicas is { } n && n > spec.MaxReplicas)
        {
            yield return new RuleProblem(nameof(PolicySpec.PausedReplicas), $"{n} is above {{{nameof(PolicySpec.MaxReplicas)}}} {spec.MaxReplicas}");
        }
    }

    public static void Write(YamlMappingNode root, PolicySpec spec)
    {
        root.Add("paused", spec.Paused || spec.PausedReplicas is not null ? "true" : "false");
        if (spec.PausedReplicas is { } n)
        {
            root.Add("pausedReplicas", n.ToString(CultureInfo.InvariantCulture));
        }
    }
}
