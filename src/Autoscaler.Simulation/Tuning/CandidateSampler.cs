namespace Autoscaler.Simulation.Tuning;

/// <summary>
/// The search's first generation: a Latin hypercube over a <see cref="SearchSpace"/>, so each parameter's range is
/// covered evenly with few candidates, deterministic for a seed. Ranges above 0 are sampled on a log scale (a target
/// of 10 against 20 matters as much as 40 against 80); ranges from 0 on a linear one.
/// </summary>
public static class CandidateSampler
{
    /// <summary>
    /// <paramref name="count"/> candidates, each a value for every parameter of <paramref name="space"/> (a fixed one at its
    /// value), rounded as its field holds it, within its search range.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> LatinHypercube(SearchSpace space, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var candidates = Enumerable.Range(0, count).Select(_ => new Dictionary<string, double>(StringComparer.Ordinal)).ToList();
        foreach (var p in space.Parameters)
        {
            // One draw per stratum of [0, 1), the strata dealt to candidates in a shuffled order.
            var strata = Enumerable.Range(0, count).ToArray();
            random.Shuffle(strata);
            for (var i = 0; i < count; i++)
            {
                var u = (strata[i] + random.NextDouble()) / count;
                candidates[i][p.Name] = p.IsFixed ? p.SearchMin : Between(p, u);
            }
        }

        return candidates;
    }

    /// <summary>The value at <paramref name="u"/> (0..1) of <paramref name="p"/>'s search range, rounded and kept inside it.</summary>
    internal static double Between(TunableParameter p, double u)
    {
        var value = p.SearchMin > 0
            ? Math.Exp(Math.Log(p.SearchMin) + (u * (Math.Log(p.SearchMax) - Math.Log(p.SearchMin))))
            : p.SearchMin + (u * (p.SearchMax - p.SearchMin));
        var proposed = p.Kind switch
        {
            ParameterKind.Integer => value,

            // Whole seconds from a second up: KEDA's pollingInterval and HPA's windows hold no less.
            ParameterKind.Duration when value >= 1 => Math.Round(value, MidpointRounding.AwayFromZero),
            _ => Significant(value, Digits),
        };
        return Math.Clamp(p.Round(proposed), p.SearchMin, p.SearchMax);
    }

    /// <summary>
    /// Significant digits of a proposed real or duration: a policy reads better with a target of 19.7 than
    /// 19.689380486594978, and a step of the search's finest scale (1/128 of a range) moves the third digit anyway.
    /// </summary>
    public const int Digits = 3;

    private static double Significant(double value, int digits)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return value;
        }

        var scale = Math.Pow(10, digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value))));
        return Math.Round(value * scale, MidpointRounding.AwayFromZero) / scale;
    }
}
