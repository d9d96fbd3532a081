using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Pipeline;

/// <summary>The bounds every decision is clamped to, last.</summary>
public sealed class ScalingLimits
{
    /// <summary>Fewest replicas.</summary>
    [Range(0, 10_000)]
    public int MinReplicas { get; set; } = 1;

    /// <summary>Most replicas.</summary>
    [Range(1, 10_000)]
    public int MaxReplicas { get; set; } = 6;

    /// <summary>Clamps <paramref name="replicas"/> to [min, max].</summary>
    public int Clamp(int replicas) => Math.Clamp(replicas, MinReplicas, Math.Max(MinReplicas, MaxReplicas));
}

/// <summary>Checks min ≤ max.</summary>
public sealed class ScalingLimitsValidator : IValidateOptions<ScalingLimits>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScalingLimits options) =>
        options.MinReplicas <= options.MaxReplicas
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{name}:MinReplicas = {options.MinReplicas}: must not exceed {name}:MaxReplicas = {options.MaxReplicas}");
}
