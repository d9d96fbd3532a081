using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Autoscaler.Core.Metrics;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Policies;

/// <summary>Options of the <c>threshold</c> policy: the original scripts' two thresholds.</summary>
public sealed class ThresholdPolicyOptions
{
    /// <summary>Above this value, one more replica (seconds of mean latency by default).</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleUpThreshold { get; set; } = 0.6;

    /// <summary>Below this value, one fewer replica.</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleDownThreshold { get; set; } = 0.2;
}

/// <summary>Checks that the down threshold lies below the up threshold.</summary>
public sealed class ThresholdPolicyOptionsValidator : IValidateOptions<ThresholdPolicyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ThresholdPolicyOptions options) =>
        options.ScaleDownThreshold < options.ScaleUpThreshold
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{name}:ScaleDownThreshold = {options.ScaleDownThreshold}: must be below {name}:ScaleUpThreshold = {options.ScaleUpThreshold}"));
}

/// <summary>
/// The original scripts' rule: above the up threshold one more replica, below the down threshold
/// one fewer, otherwise the same; no opinion when the metric has no value.
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
            return new ScalingProposal(Name, reading.Metric, null, $"no value ({reading.Failure})");
        }

        if (value > options.ScaleUpThreshold)
        {
            return new ScalingProposal(Name, reading.Metric, currentReplicas + 1,
                string.Create(CultureInfo.InvariantCulture, $"{value:0.###} above {options.ScaleUpThreshold:0.###}"));
        }

        if (value < options.ScaleDownThreshold)
        {
            return new ScalingProposal(Name, reading.Metric, currentReplicas - 1,
                string.Create(CultureInfo.InvariantCulture, $"{value:0.###} below {options.ScaleDownThreshold:0.###}"));
        }

        return new ScalingProposal(Name, reading.Metric, currentReplicas, "between thresholds");
    }
}
