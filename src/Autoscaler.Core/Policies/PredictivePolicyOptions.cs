using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Autoscaler.Core.Time;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Policies;

/// <summary>How the <c>predictive</c> policy forecasts demand.</summary>
public enum ForecastMethod
{
    /// <summary>Holt-Winters triple exponential smoothing: level, trend and additive seasonality.</summary>
    HoltWinters,

    /// <summary>The value one season earlier plus how much the last moments differ from one season earlier, and that difference's trend.</summary>
    SeasonalNaive,
}

/// <summary>Options of the <c>predictive</c> policy; defaults suit a request rate with a daily cycle.</summary>
public sealed class PredictivePolicyOptions
{
    /// <summary>Demand each replica should carry (e.g. requests per second per replica), as a <c>target</c> rule's AverageValue.</summary>
    [Range(1e-12, double.MaxValue)]
    public double Target { get; set; } = 1;

    /// <summary>
    /// Demand per replica of the reactive safety rule, at least <see cref="Target"/>; null means <see cref="Target"/>.
    /// A higher value lets the forecast drive the count while the current value only has to stop the service
    /// being starved (e.g. 90 % of a replica's capacity against a 75 % target).
    /// </summary>
    public double? ReactiveTarget { get; set; }

    /// <summary>The reactive rule's demand per replica: <see cref="ReactiveTarget"/>, or <see cref="Target"/> when that is null.</summary>
    public double EffectiveReactiveTarget => ReactiveTarget ?? Target;

    /// <summary>No change while forecast (or value) divided by current capacity is within this of 1, as for <c>target</c>.</summary>
    [Range(0.0, 1.0)]
    public double Tolerance { get; set; } = TargetPolicyOptions.DefaultTolerance;

    /// <summary>The forecasting method.</summary>
    public ForecastMethod Method { get; set; } = ForecastMethod.HoltWinters;

    /// <summary>Length of one cycle of the demand (a day, a week); a whole number of <see cref="SampleInterval"/>s.</summary>
    public TimeSpan SeasonLength { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Width of one history slot: observations within a slot are averaged; missing slots hold the previous value.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far ahead to forecast: a new replica's start-up delay plus the check interval. At most half a season.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Holt-Winters level smoothing, above 0 and at most 1 (higher follows recent values faster).</summary>
    [Range(0.0, 1.0)]
    public double Alpha { get; set; } = 0.5;

    /// <summary>Holt-Winters trend smoothing, 0 to 1 (0 keeps no trend once initialised).</summary>
    [Range(0.0, 1.0)]
    public double Beta { get; set; } = 0.1;

    /// <summary>Holt-Winters seasonal smoothing, 0 to 1 (higher forgets older seasons faster).</summary>
    [Range(0.0, 1.0)]
    public double Gamma { get; set; } = 0.3;

    /// <summary>How many seasons of history the live scaler reads from Prometheus at start (0: none, start cold).</summary>
    [Range(0, 52)]
    public int WarmUpSeasons { get; set; } = 2;

    /// <summary>The most slots one season may have (memory and the first season's cost stay bounded).</summary>
    public const int MaxSlotsPerSeason = 100_000;

    /// <summary>Slots in one season (<see cref="SeasonLength"/> / <see cref="SampleInterval"/>), valid once <see cref="Problems"/> is empty.</summary>
    public int SlotsPerSeason => SampleInterval > TimeSpan.Zero ? (int)Math.Min(int.MaxValue, SeasonLength.Ticks / SampleInterval.Ticks) : 0;

    /// <summary>Every rule these options break, as (option, what is wrong); empty when they are usable.</summary>
    public IReadOnlyList<(string Field, string Problem)> Problems()
    {
        var problems = new List<(string, string)>();
        void Add(string field, FormattableString problem) => problems.Add((field, problem.ToString(CultureInfo.InvariantCulture)));
        if (!(Target > 0) || !double.IsFinite(Target))
        {
            Add(nameof(Target), $"{Target} must be a number above 0 (demand per replica)");
        }

        if (ReactiveTarget is { } reactive && (!double.IsFinite(reactive) || !(reactive >= Target)))
        {
            Add(nameof(ReactiveTarget), $"{reactive} must be a number at least value {Target} (the safety rule may only allow more demand per replica, not less)");
        }

        if (!(Tolerance is >= 0 and <= 1))
        {
            Add(nameof(Tolerance), $"{Tolerance} must be between 0 and 1");
        }

        if (!(Alpha is > 0 and <= 1))
        {
            Add(nameof(Alpha), $"{Alpha} must be above 0 and at most 1");
        }

        if (!(Beta is >= 0 and <= 1))
        {
            Add(nameof(Beta), $"{Beta} must be between 0 and 1");
        }

        if (!(Gamma is >= 0 and <= 1))
        {
            Add(nameof(Gamma), $"{Gamma} must be between 0 and 1");
        }

        if (WarmUpSeasons is < 0 or > 52)
        {
            Add(nameof(WarmUpSeasons), $"{WarmUpSeasons} must be between 0 and 52");
        }

        if (!Enum.IsDefined(Method))
        {
            Add(nameof(Method), $"{Method} is not one of {string.Join(", ", Enum.GetNames<ForecastMethod>())}");
        }

        if (SampleInterval <= TimeSpan.Zero)
        {
            Add(nameof(SampleInterval), $"{Durations.Format(SampleInterval)} must be longer than 0s");
        }
        else if (SeasonLength.Ticks % SampleInterval.Ticks != 0 || SeasonLength <= TimeSpan.Zero)
        {
            Add(nameof(SeasonLength), $"{Durations.Format(SeasonLength)} must be a whole number of sampleInterval {Durations.Format(SampleInterval)}");
        }
        else if (SeasonLength.Ticks / SampleInterval.Ticks is < 4 or > MaxSlotsPerSeason)
        {
            Add(nameof(SeasonLength), $"{Durations.Format(SeasonLength)} holds {SeasonLength.Ticks / SampleInterval.Ticks} samples of {Durations.Format(SampleInterval)}; it must hold 4 to {MaxSlotsPerSeason} (change sampleInterval)");
        }

        if (Horizon <= TimeSpan.Zero || Horizon.Ticks > SeasonLength.Ticks / 2)
        {
            Add(nameof(Horizon), $"{Durations.Format(Horizon)} must be longer than 0s and at most half of seasonLength {Durations.Format(SeasonLength)}");
        }

        return problems;
    }
}

/// <summary>Checks the rules of <see cref="PredictivePolicyOptions"/> that compare fields or need more than a range.</summary>
public sealed class PredictivePolicyOptionsValidator : IValidateOptions<PredictivePolicyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PredictivePolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        var prefix = string.IsNullOrEmpty(name) ? "" : name + ":";
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{prefix}{p.Field} = {p.Problem}"));
    }
}
