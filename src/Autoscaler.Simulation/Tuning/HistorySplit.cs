using System.Globalization;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Tuning;

/// <summary>
/// The split of a scenario's history in time (<c>--validate-fraction</c>): the search runs on the part before
/// <see cref="At"/> only; the chosen and the original policy are then scored on the part from it (docs/tune.md).
/// </summary>
/// <param name="Search">The scenario the search runs: the same, up to the split.</param>
/// <param name="At">Where the held part starts, a whole number of steps from the start.</param>
/// <param name="Held">The held part's length, in the whole steps the runner simulates.</param>
public sealed record HistorySplit(Scenario Search, TimeSpan At, TimeSpan Held)
{
    /// <summary>The default <c>--validate-fraction</c>: the last 30 % of the history is held back.</summary>
    public const double DefaultValidateFraction = 0.3;

    /// <summary>Splits <paramref name="scenario"/> so that about <paramref name="validateFraction"/> of it, in whole steps, is held back.</summary>
    /// <exception cref="ScenarioException">The fraction is not above 0 and below 1, or leaves either part without a step.</exception>
    public static HistorySplit Of(Scenario scenario, double validateFraction = DefaultValidateFraction)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var c = CultureInfo.InvariantCulture;
        if (!(validateFraction is > 0 and < 1))
        {
            throw new ScenarioException(string.Create(c, $"--validate-fraction {validateFraction} must be above 0 and below 1 (0.3 holds back the last 30 % of the history)"));
        }

        // Steps as the runner counts them (the duration rounded to whole steps); the nudge keeps 0.7 × 604800 at 423360
        // when 1 − 0.3 lands a hair below 0.7.
        var steps = (long)Math.Round((double)scenario.Duration.Ticks / scenario.Step.Ticks);
        var searchSteps = (long)Math.Floor((steps * (1 - validateFraction)) + 1e-9);
        if (searchSteps < 1 || searchSteps >= steps)
        {
            throw new ScenarioException(string.Create(c,
                $"--validate-fraction {validateFraction} leaves no step of {Durations.Format(scenario.Step)} to {(searchSteps < 1 ? "search on" : "hold back")} in {Durations.Humanize(scenario.Duration)}; use a fraction nearer 0.5 or a longer history"));
        }

        var at = TimeSpan.FromTicks(searchSteps * scenario.Step.Ticks);
        return new HistorySplit(scenario with { Duration = at }, at, TimeSpan.FromTicks((steps - searchSteps) * scenario.Step.Ticks));
    }
}
