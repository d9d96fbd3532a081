using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;

namespace Autoscaler.Simulation.Tuning;

/// <summary>What a tunable field holds, which decides how a value is rounded, parsed and shown.</summary>
public enum ParameterKind
{
    /// <summary>A real number (a target, a tolerance, a quantile).</summary>
    Real,

    /// <summary>A whole number (a stabilization window in seconds, a rate limit).</summary>
    Integer,

    /// <summary>A duration, held in seconds and rounded to the millisecond a policy file can write.</summary>
    Duration,
}

/// <summary>
/// One field of a policy the search may change: its name as <c>--param</c> takes it (a dotted path in the policy
/// file's own field names, e.g. <c>metrics[rps].target.value</c>), its kind, the value written in the policy, the
/// range the field's own validation allows, and the range searched by default.
/// </summary>
public sealed record TunableParameter
{
    /// <summary>Dotted path in the policy file's field names.</summary>
    public required string Name { get; init; }

    /// <summary>Real, integer or duration.</summary>
    public required ParameterKind Kind { get; init; }

    /// <summary>The value the policy has (seconds for a duration).</summary>
    public required double Value { get; init; }

    /// <summary>Lowest value the field accepts.</summary>
    public required double Min { get; init; }

    /// <summary>Highest value the field accepts (<see cref="double.MaxValue"/>: no bound).</summary>
    public required double Max { get; init; }

    /// <summary>Lowest value searched.</summary>
    public required double SearchMin { get; init; }

    /// <summary>Highest value searched.</summary>
    public required double SearchMax { get; init; }

    /// <summary>True when the search leaves it at one value (<c>--param name=value</c>).</summary>
    public bool IsFixed => SearchMin == SearchMax;

    /// <summary>Writes a value into a policy (a copy the search owns); every parameter is made by <see cref="Around"/>, which sets it.</summary>
    internal Action<PolicySpec, double> Set { get; init; } = null!;

    /// <summary><paramref name="value"/> as the field can hold it: integers rounded, durations to the millisecond.</summary>
    public double Round(double value) => Kind switch
    {
        ParameterKind.Integer => Math.Round(value, MidpointRounding.AwayFromZero),
        ParameterKind.Duration => Math.Round(value * 1000, MidpointRounding.AwayFromZero) / 1000,
        _ => value,
    };

    /// <summary>A value as a user writes it: <c>30</c>, <c>0.95</c>, <c>15s</c>, <c>250ms</c>.</summary>
    public string Format(double value) => Kind == ParameterKind.Duration
        ? Durations.Format(TimeSpan.FromSeconds(value))
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The valid range in words, for messages: <c>0 to 3600</c>, <c>at least 1e-12</c>.</summary>
    public string DescribeBounds() => Max == double.MaxValue ? $"at least {Format(Min)}" : $"{Format(Min)} to {Format(Max)}";

    /// <summary>Reads one value as a user writes it for this field; null when it is not one.</summary>
    public double? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Kind == ParameterKind.Duration)
        {
            return Durations.TryParse(text, out var d) ? d.TotalSeconds : null;
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
        {
            return null;
        }

        return Kind == ParameterKind.Integer && v != Math.Round(v) ? null : v;
    }

    /// <summary>
    /// How far the default search range reaches either side of a written value above 0: from a quarter to four times it
    /// (within the field's bounds). Wider (×8) was measured on the benchmark suite and found worse candidates with the
    /// same budget (docs/benchmarks.md#tune).
    /// </summary>
    internal const double Spread = 4;

    /// <summary>
    /// A parameter whose default search range is a quarter to four times the written value, within the valid range;
    /// a field written as 0 is searched from the lowest valid value over <paramref name="zeroSpan"/>.
    /// </summary>
    internal static TunableParameter Around(string name, ParameterKind kind, double value, (double Min, double Max) bounds, double zeroSpan, Action<PolicySpec, double> set)
    {
        var (min, max) = bounds;
        double lo, hi;
        if (value > 0)
        {
            (lo, hi) = (Math.Max(min, value / Spread), Math.Min(max, value * Spread));
        }
        else
        {
            (lo, hi) = (min, Math.Min(max, min + zeroSpan));
        }

        if (kind == ParameterKind.Integer)
        {
            // Inward, so a rounded end never leaves the valid range; the written value (an integer) stays inside.
            (lo, hi) = (Math.Ceiling(lo), Math.Floor(hi));
        }
        else if (kind == ParameterKind.Duration)
        {
            (lo, hi) = (Math.Ceiling(lo * 1000) / 1000, Math.Floor(hi * 1000) / 1000);
        }

        return new TunableParameter
        {
            Name = name,
            Kind = kind,
            Value = value,
            Min = min,
            Max = max,
            SearchMin = Math.Min(lo, value),
            SearchMax = Math.Max(hi, value),
            Set = set,
        };
    }

    /// <summary>The bounds of a property's <see cref="RangeAttribute"/>, TimeSpan bounds in seconds: the field's own validation.</summary>
    internal static (double Min, double Max) RangeOf<T>(string property)
    {
        var range = typeof(T).GetProperty(property, BindingFlags.Public | BindingFlags.Instance)?.GetCustomAttribute<RangeAttribute>()
            ?? throw new InvalidOperationException($"{typeof(T).Name}.{property} has no [Range]");
        return (Bound(range.Minimum), Bound(range.Maximum));

        static double Bound(object value) => value switch
        {
            string text => TimeSpan.Parse(text, CultureInfo.InvariantCulture).TotalSeconds,
            IConvertible number => number.ToDouble(CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"unexpected range bound {value}"),
        };
    }
}
