using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Options;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Policies;

/// <summary>Options of the <c>threshold</c> policy: the original scripts' two thresholds.</summary>
public sealed class ThresholdPolicyOptions
{
    /// <summary>The original scripts' query: the mean response time over 30 s, in seconds.</summary>
    public const string DefaultQuery = "avg(avg_over_time(webapp_response_time_seconds[30s]))";

    /// <summary>The original scripts' name for that value.</summary>
    public const string DefaultMetricName = "avg_rt";

    /// <summary>The original scripts' SCALE_UP_THRESHOLD.</summary>
    public const double DefaultScaleUpThreshold = 0.6;

    /// <summary>The original scripts' SCALE_DOWN_THRESHOLD.</summary>
    public const double DefaultScaleDownThreshold = 0.2;

    /// <summary>Above this value, one more replica (seconds of mean latency by default).</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleUpThreshold { get; set; } = DefaultScaleUpThreshold;

    /// <summary>Below this value, one fewer replica.</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleDownThreshold { get; set; } = DefaultScaleDownThreshold;

    /// <summary>How far one step goes: replicas, or percent of the current count (at least one replica).</summary>
    [Range(1, 10_000)]
    public int Step { get; set; } = 1;

    /// <summary>Whether <see cref="Step"/> counts replicas or percent.</summary>
    public ThresholdStepType StepType { get; set; } = ThresholdStepType.Replicas;

    /// <summary>The rules that compare fields, as (field, problem); a <c>{Field}</c> in a problem names another field.</summary>
    public IReadOnlyList<(string Field, string Problem)> Problems() =>
        ScaleDownThreshold < ScaleUpThreshold ? []
            : [(nameof(ScaleDownThreshold), string.Create(CultureInfo.InvariantCulture, $"{ScaleDownThreshold} must be below {{{nameof(ScaleUpThreshold)}}} {ScaleUpThreshold}"))];

    /// <summary>The step at <paramref name="current"/> replicas.</summary>
    public int StepAt(int current) =>
        StepType == ThresholdStepType.Replicas ? Step : Math.Max(1, (int)Math.Ceiling(current * Step / 100.0));
}

/// <summary>How a threshold step is counted.</summary>
public enum ThresholdStepType
{
    /// <summary>A number of replicas.</summary>
    Replicas,

    /// <summary>A percentage of the current count, rounded up, at least one.</summary>
    Percent,
}

/// <summary>Checks that the down threshold lies below the up threshold.</summary>
public sealed class ThresholdPolicyOptionsValidator : IValidateOptions<ThresholdPolicyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ThresholdPolicyOptions options) =>
        OptionsCheck.Result(name, options?.Problems() ?? []);
}

/// <summary>
/// The original scripts' rule: above the up threshold one step more (one replica by default), below the
/// down threshold one step fewer, otherwise the same; no opinion when the metric has no value.
/// </summary>
public sealed class ThresholdPolicy(ThresholdPolicyOptions options) : IScalingPolicy
{
    /// <inheritdoc />
    public string Name => "threshold";

    /// <inheritdoc />
    public ScalingProposal Propose(int currentReplicas, MetricReading reading)
    {
        if (reading.Value is not { } value)
        {
            return new ScalingProposal(Name, reading.Metric, null, ScalingProposal.NoValue, failure: reading.Failure);
        }

        if (value > options.ScaleUpThreshold)
        {
            return new ScalingProposal(Name, reading.Metric, currentReplicas + options.StepAt(currentReplicas), Above, value, options.ScaleUpThreshold);
        }

        if (value < options.ScaleDownThreshold)
        {
            return new ScalingProposal(Name, reading.Metric, Math.Max(0, currentReplicas - options.StepAt(currentReplicas)), Below, value, options.ScaleDownThreshold);
        }

        return new ScalingProposal(Name, reading.Metric, currentReplicas, Between, value);
    }

    private static readonly ProposalFormatter Above = static (in p) => ScalingProposal.Say($"{p.Value:0.###} above {p.Bound:0.###}");
    private static readonly ProposalFormatter Below = static (in p) => ScalingProposal.Say($"{p.Value:0.###} below {p.Bound:0.###}");
    private static readonly ProposalFormatter Between = static (in _) => "between thresholds";
}
