using System.ComponentModel.DataAnnotations;

namespace Autoscaler.Core.Behavior;

/// <summary>How a rate-limit rule counts: a number of replicas, or a percentage of the count at the period's start.</summary>
public enum ScalingRuleType
{
    /// <summary>At most this many replicas added (or removed) per period.</summary>
    Pods,

    /// <summary>At most this percentage of the replicas at the period's start.</summary>
    Percent,
}

/// <summary>Which of several rate-limit rules applies (Kubernetes HPA's <c>selectPolicy</c>).</summary>
public enum SelectPolicy
{
    /// <summary>The rule that allows the largest change.</summary>
    Max,

    /// <summary>The rule that allows the smallest change.</summary>
    Min,

    /// <summary>No change in this direction at all.</summary>
    Disabled,
}

/// <summary>One rate-limit rule: at most <see cref="Value"/> per <see cref="PeriodSeconds"/>.</summary>
public sealed record ScalingRule(ScalingRuleType Type, [property: Range(1, int.MaxValue)] int Value, [property: Range(1, 1800)] int PeriodSeconds);

/// <summary>The behavior of one direction: stabilization window, rate limits, cooldown.</summary>
public sealed class ScalingRules
{
    /// <summary>
    /// Recommendations are remembered this long; scaling up takes the lowest of them, scaling down the highest,
    /// so a short dip or spike does not move the count.
    /// </summary>
    [Range(0, 3600)]
    public int StabilizationWindowSeconds { get; set; }

    /// <summary>Which rate-limit rule applies when there are several.</summary>
    public SelectPolicy SelectPolicy { get; set; } = SelectPolicy.Max;

    /// <summary>Rate limits; none means no limit in this direction.</summary>
    public List<ScalingRule> Policies { get; set; } = [];

    /// <summary>After an action in this direction, no further action of either direction for this long (as Nomad Autoscaler's cooldown).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Cooldown { get; set; }
}

/// <summary>The behavior stage's settings for both directions.</summary>
public sealed class ScalingBehavior
{
    /// <summary>Scale-up rules.</summary>
    public ScalingRules ScaleUp { get; set; } = new();

    /// <summary>Scale-down rules.</summary>
    public ScalingRules ScaleDown { get; set; } = new();

    /// <summary>No stabilization, no rate limits, no cooldowns: the original scripts' behavior.</summary>
    public static ScalingBehavior None => new();

    /// <summary>
    /// Kubernetes HPA's defaults: scale up at once by 4 pods or 100 % per 15 s, whichever allows more;
    /// scale down by up to 100 % per 15 s after a 300 s stabilization window.
    /// </summary>
    public static ScalingBehavior HpaDefaults => new()
    {
        ScaleUp = new ScalingRules
        {
            StabilizationWindowSeconds = 0,
            SelectPolicy = SelectPolicy.Max,
            Policies = [new ScalingRule(ScalingRuleType.Pods, 4, 15), new ScalingRule(ScalingRuleType.Percent, 100, 15)],
        },
        ScaleDown = new ScalingRules
        {
            StabilizationWindowSeconds = 300,
            SelectPolicy = SelectPolicy.Max,
            Policies = [new ScalingRule(ScalingRuleType.Percent, 100, 15)],
        },
    };

    /// <summary>
    /// The <c>slo</c> rule's default: scale up at once with no limit (its count already includes the margin it needs);
    /// scale down without a rate limit after a stabilization window of <see cref="SloScaleDownWindowSeconds"/>.
    /// </summary>
    public static ScalingBehavior SloDefaults => new()
    {
        ScaleUp = new ScalingRules { StabilizationWindowSeconds = 0, SelectPolicy = SelectPolicy.Max },
        ScaleDown = new ScalingRules { StabilizationWindowSeconds = SloScaleDownWindowSeconds, SelectPolicy = SelectPolicy.Max },
    };

    /// <summary>
    /// The <c>slo</c> rule's scale-down window: 15 s, the time it takes to get a removed replica back (the demo replica's
    /// 5 s start-up and the scaler's 10 s check), so a dip shorter than that removes nothing. Noise is already in the
    /// rule's margins; this only stops a removal that would be undone at once.
    /// </summary>
    public const int SloScaleDownWindowSeconds = 15;
}
