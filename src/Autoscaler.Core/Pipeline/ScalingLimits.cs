using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.Options;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Pipeline;

/// <summary>The bounds every decision is clamped to, last.</summary>
public sealed class ScalingLimits
{
    /// <summary>The default fewest replicas (the original scripts' MIN_REPLICAS).</summary>
    public const int DefaultMinReplicas = 1;

    /// <summary>The default most replicas (the original scripts' MAX_REPLICAS).</summary>
    public const int DefaultMaxReplicas = 6;

    /// <summary>The largest count any policy may ask for.</summary>
    public const int Largest = 10_000;

    /// <summary>Fewest replicas.</summary>
    [Range(0, Largest)]
    public int MinReplicas { get; set; } = DefaultMinReplicas;

    /// <summary>Most replicas.</summary>
    [Range(1, Largest)]
    public int MaxReplicas { get; set; } = DefaultMaxReplicas;

    /// <summary>The rules that compare fields, as (field, problem); a <c>{Field}</c> in a problem names another field.</summary>
    public IReadOnlyList<(string Field, string Problem)> Problems() =>
        MinReplicas <= MaxReplicas ? [] : [(nameof(MinReplicas), $"{MinReplicas} must not exceed {{{nameof(MaxReplicas)}}} {MaxReplicas}")];

    /// <summary>Clamps <paramref name="replicas"/> to [min, max].</summary>
    public int Clamp(int replicas) => Math.Clamp(replicas, MinReplicas, Math.Max(MinReplicas, MaxReplicas));
}

/// <summary>Checks min ≤ max.</summary>
public sealed class ScalingLimitsValidator : IValidateOptions<ScalingLimits>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScalingLimits options) =>
        OptionsCheck.Result(name, options?.Problems() ?? []);
}
