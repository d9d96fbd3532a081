using System.Globalization;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tuning;

/// <summary>
/// The order <c>tune</c> ranks candidates in (issue 16): a candidate that meets the SLO (the scenario's, with the
/// <c>--max-violation</c> budget, by <see cref="SloSpec.Breaches"/>, the one definition reports use) comes before one
/// that does not; among those that meet it, fewer replica-seconds win, then fewer scale actions; among those that do
/// not, the smaller <see cref="Shortfall"/> wins (so a search still moves towards the SLO), then fewer replica-seconds.
/// </summary>
public sealed class TuningObjective : IComparer<PolicyScore>
{
    /// <summary>The default <c>--max-violation</c>, in percent: the project's own budget (<see cref="SloSpec.DefaultViolationBudget"/>).</summary>
    public const double DefaultMaxViolationPercent = SloSpec.DefaultViolationBudget * 100;

    private TuningObjective(SloSpec slo) => Slo = slo;

    /// <summary>The SLO candidates are held to, with the budget of the search.</summary>
    public SloSpec Slo { get; }

    /// <summary>The objective for a scenario's SLO with at most <paramref name="maxViolationPercent"/> % of the time in violation.</summary>
    /// <exception cref="ScenarioException">The budget is not within 0 to 100 %.</exception>
    public static TuningObjective For(SloSpec slo, double maxViolationPercent = DefaultMaxViolationPercent)
    {
        ArgumentNullException.ThrowIfNull(slo);
        return maxViolationPercent is >= 0 and <= 100
            ? new TuningObjective(slo with { ViolationBudget = maxViolationPercent / 100 })
            : throw new ScenarioException(string.Create(CultureInfo.InvariantCulture, $"--max-violation {maxViolationPercent} % must be between 0 and 100 %"));
    }

    /// <summary>Reads <c>--max-violation</c>: a percentage, with or without <c>%</c> (<c>0.5%</c>, <c>0.5</c>).</summary>
    /// <exception cref="ScenarioException">Not a number, or not within 0 to 100 %.</exception>
    public static double ParsePercent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var number = text.Trim().TrimEnd('%').TrimEnd();
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || !double.IsFinite(percent))
        {
            throw new ScenarioException($"--max-violation '{text}' is not a percentage; write e.g. 0.5%");
        }

        return percent is >= 0 and <= 100
            ? percent
            : throw new ScenarioException($"--max-violation {text.Trim()} must be between 0 and 100 %");
    }

    /// <summary>True when <paramref name="score"/> keeps the SLO within the budget and drops no more than it allows.</summary>
    public bool Accepts(PolicyScore score) => Slo.Breaches(score).Count == 0;

    /// <summary>How far a candidate is from acceptable, in percentage points: violation time over the budget plus dropped requests over the allowed share; 0 when it is acceptable.</summary>
    public double Shortfall(PolicyScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return Math.Max(0, score.SloViolationPercent - (Slo.ViolationBudget * 100)) + Math.Max(0, (score.ErrorRate - Slo.MaxErrorRate) * 100);
    }

    /// <inheritdoc />
    public int Compare(PolicyScore? x, PolicyScore? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : 1) : -1;
        }

        var (accepts, other) = (Accepts(x), Accepts(y));
        if (accepts != other)
        {
            return accepts ? -1 : 1;
        }

        if (!accepts && Shortfall(x).CompareTo(Shortfall(y)) is var closer and not 0)
        {
            return closer;
        }

        return x.ReplicaSeconds.CompareTo(y.ReplicaSeconds) is var cheaper and not 0 ? cheaper : x.ScaleActions.CompareTo(y.ScaleActions);
    }
}
