using System.Globalization;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;
using Autoscaler.Core.Time;

namespace Autoscaler.Core.Policies.Slo;

/// <summary>How the <c>slo</c> rule forecasts demand.</summary>
public enum SloForecast
{
    /// <summary>Seasonal, with the period(s) found in the history itself (the default).</summary>
    Auto,

    /// <summary>The same phase in the last seasons of the declared <see cref="SloPolicyOptions.SeasonLength"/>, shifted to the current level.</summary>
    SeasonalNaive,

    /// <summary>Holt-Winters (level, trend, additive season) over the declared <see cref="SloPolicyOptions.SeasonLength"/>.</summary>
    HoltWinters,

    /// <summary>No forecast: the current demand alone (reactive).</summary>
    None,
}

/// <summary>The queries the <c>slo</c> rule learns the service from, beside its demand metric; each is optional.</summary>
public sealed class SloLearnQueries
{
    /// <summary>Busy workers / workers, averaged over replicas (0..1).</summary>
    public string? Utilization { get; set; }

    /// <summary>Requests accepted per second per replica (rejected ones left out: a saturated replica then still tells its capacity).</summary>
    public string? Throughput { get; set; }

    /// <summary>The SLO's latency statistic as measured (seconds).</summary>
    public string? Latency { get; set; }
}

/// <summary>
/// Options of the <c>slo</c> rule: the service level the user wants, what a replica can do (declared or learned),
/// and how demand is forecast. Defaults are explained in docs/configuration.md#the-slo-rule.
/// </summary>
public sealed class SloPolicyOptions
{
    /// <summary>The latency bound.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Which statistic the bound applies to.</summary>
    public LatencyStatistic Statistic { get; set; } = LatencyStatistic.Mean;

    /// <summary>The largest tolerated share of rejected requests (0.01 = 1 %).</summary>
    public double MaxErrorRate { get; set; } = 0.01;

    /// <summary>Requests one replica serves at the same time (W); needed unless <see cref="SafeRate"/> is declared.</summary>
    public int? Workers { get; set; }

    /// <summary>Mean service time of one request (S); null: learned from <see cref="Learn"/>'s utilization and throughput.</summary>
    public TimeSpan? ServiceTime { get; set; }

    /// <summary>Requests that may wait per replica (Q).</summary>
    public int QueueLimit { get; set; } = 100;

    /// <summary>The service-time distribution (shapes the queueing, not the mean).</summary>
    public ServiceTimeDistribution Distribution { get; set; } = ServiceTimeDistribution.Exponential;

    /// <summary>Requests per second one replica may take while keeping the SLO, declared directly in place of W and S.</summary>
    public double? SafeRate { get; set; }

    /// <summary>The queries to learn from; none: the declared capacity is used as is.</summary>
    public SloLearnQueries Learn { get; set; } = new();

    /// <summary>How demand is forecast.</summary>
    public SloForecast Forecast { get; set; } = SloForecast.Auto;

    /// <summary>The season for <see cref="SloForecast.SeasonalNaive"/> and <see cref="SloForecast.HoltWinters"/>.</summary>
    public TimeSpan? SeasonLength { get; set; }

    /// <summary>
    /// Width of a slot of the demand history (values in a slot are averaged): the scaler's default check interval, one
    /// slot per check; finer adds nothing, coarser delays what the forecast sees.
    /// </summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far ahead the demand must be covered: a new replica's start-up time plus the check interval (15 s: the demo
    /// replica's 5 s and the scaler's 10 s).
    /// </summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The share of recent demand under-forecasts the headroom covers (0.95: all but the worst 5 %).</summary>
    public double HeadroomQuantile { get; set; } = 0.95;

    /// <summary>The shortest period the automatic forecast looks for.</summary>
    public static TimeSpan MinPeriod { get; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest period the automatic forecast looks for (a week: a day inside a week is found too).</summary>
    public static TimeSpan MaxPeriod { get; } = TimeSpan.FromDays(7);

    /// <summary>The learning queries as named readings of the metric <paramref name="metric"/>: <c>METRIC.utilization</c>, <c>.throughput</c>, <c>.latency</c>.</summary>
    public IReadOnlyList<(string Name, string Query)> InputsFor(string metric)
    {
        var inputs = new List<(string, string)>();
        foreach (var (suffix, query) in new[] { ("utilization", Learn.Utilization), ("throughput", Learn.Throughput), ("latency", Learn.Latency) })
        {
            if (query is { Length: > 0 })
            {
                inputs.Add(($"{metric}.{suffix}", query));
            }
        }

        return inputs;
    }

    /// <summary>The service level as Core's queueing takes it.</summary>
    public ServiceLevel Level => new(Latency.TotalSeconds, Statistic, MaxErrorRate);

    /// <summary>Every rule these options break, as (option, what is wrong); empty when they are usable.</summary>
    public IReadOnlyList<(string Field, string Problem)> Problems()
    {
        var problems = new List<(string, string)>();
        void Add(string field, FormattableString problem) => problems.Add((field, problem.ToString(CultureInfo.InvariantCulture)));
        if (Latency <= TimeSpan.Zero)
        {
            Add(nameof(Latency), $"{Durations.Format(Latency)} must be longer than 0s");
        }

        if (!Enum.IsDefined(Statistic))
        {
            Add(nameof(Statistic), $"'{Statistic}' is not mean or p95");
        }

        if (!(MaxErrorRate is > 0 and < 1))
        {
            Add(nameof(MaxErrorRate), $"{MaxErrorRate} must be above 0 and below 1 (0.01 = 1 %; every finite queue rejects some requests, so 0 would ask for endless replicas)");
        }

        if (Workers is < 1 or > 100_000)
        {
            Add(nameof(Workers), $"{Workers} must be between 1 and 100000");
        }

        if (ServiceTime is { } s && s <= TimeSpan.Zero)
        {
            Add(nameof(ServiceTime), $"{Durations.Format(s)} must be longer than 0s");
        }

        if (QueueLimit is < 0 or > 1_000_000)
        {
            Add(nameof(QueueLimit), $"{QueueLimit} must be between 0 and 1000000");
        }

        if (SafeRate is { } rate && !(rate > 0 && double.IsFinite(rate)))
        {
            Add(nameof(SafeRate), $"{rate} must be a number above 0 (requests per second per replica)");
        }

        var learnsService = Learn.Utilization is { Length: > 0 } && Learn.Throughput is { Length: > 0 };
        if (SafeRate is null && Workers is null)
        {
            Add(nameof(Workers), $"is required (requests one replica serves at once), unless safeRate is declared");
        }
        else if (SafeRate is null && ServiceTime is null && !learnsService)
        {
            Add(nameof(ServiceTime), $"is required unless learn.utilization and learn.throughput are given to learn it (or safeRate is declared)");
        }

        if ((Learn.Utilization is { Length: > 0 }) != (Learn.Throughput is { Length: > 0 }))
        {
            Add(nameof(Learn), $"utilization and throughput are learnt together: give both queries or neither");
        }

        if (Forecast is SloForecast.SeasonalNaive or SloForecast.HoltWinters && SeasonLength is null)
        {
            Add(nameof(SeasonLength), $"is required with forecast: {(Forecast == SloForecast.HoltWinters ? "holtWinters" : "seasonalNaive")}");
        }

        if (Forecast is SloForecast.Auto or SloForecast.None && SeasonLength is { } unused)
        {
            Add(nameof(SeasonLength), $"{Durations.Format(unused)} is only used with forecast: seasonalNaive or holtWinters (forecast: {(Forecast == SloForecast.Auto ? "auto finds the season itself" : "none forecasts nothing")}); remove it or choose one of those");
        }

        if (!Enum.IsDefined(Forecast))
        {
            Add(nameof(Forecast), $"'{Forecast}' is not auto, seasonalNaive, holtWinters or none");
        }

        if (SampleInterval < TimeSpan.FromSeconds(1) || SampleInterval > TimeSpan.FromHours(1))
        {
            Add(nameof(SampleInterval), $"{Durations.Format(SampleInterval)} must be between 1s and 1h");
        }
        else if (SeasonLength is { } season && (season < 4 * SampleInterval || season.Ticks / SampleInterval.Ticks > MaxSlots / 3 || season.Ticks % SampleInterval.Ticks != 0))
        {
            Add(nameof(SeasonLength), $"{Durations.Format(season)} must be a whole number of sampleInterval {Durations.Format(SampleInterval)}, 4 to {MaxSlots / 3} of them");
        }

        if (Horizon <= TimeSpan.Zero || Horizon > TimeSpan.FromHours(1))
        {
            Add(nameof(Horizon), $"{Durations.Format(Horizon)} must be longer than 0s and at most 1h");
        }

        if (!(HeadroomQuantile is >= 0.5 and < 1))
        {
            Add(nameof(HeadroomQuantile), $"{HeadroomQuantile} must be at least 0.5 and below 1");
        }

        if (problems.Count == 0 && SafeRate is null && ServiceTime is { } declared)
        {
            var queue = new ReplicaQueue(Workers!.Value, declared.TotalSeconds, Distribution, QueueLimit);
            if (queue.MaxUtilizationWithin(Level) <= 0)
            {
                var idle = queue.IdleLatency(Statistic);
                if (idle > Latency.TotalSeconds)
                {
                    Add(nameof(Latency), $"{Durations.Format(Latency)} ({Statistic.Label()}) cannot be met by any number of replicas: even an idle replica's {Statistic.Label()} latency is {Durations.Format(TimeSpan.FromSeconds(idle))} (workers {Workers}, serviceTime {Durations.Format(declared)}); raise it");
                }
                else
                {
                    Add(nameof(MaxErrorRate), $"{MaxErrorRate} cannot be met by any number of replicas: with queueLimit {QueueLimit} and workers {Workers}, even a lightly loaded replica rejects more; raise maxErrorRate or queueLimit");
                }
            }
        }

        return problems;
    }

    /// <summary>The most slots of demand history kept (two weeks of 10 s slots: enough to find a weekly season).</summary>
    public const int MaxSlots = 2 * 7 * 24 * 360;
}
