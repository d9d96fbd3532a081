using Autoscaler.Core.Metrics;
using Autoscaler.Core.Queueing;

namespace Autoscaler.Core.Policies.Slo;

/// <summary>What the <c>slo</c> rule has learnt, as of its last <see cref="SloPolicy.Learn"/>.</summary>
/// <param name="SafeRate">Requests per second one replica may take while keeping the SLO (NaN: capacity not known yet).</param>
/// <param name="SafeUtilization">The utilization behind it (NaN when a safe rate is declared).</param>
/// <param name="Capacity">W/S of one replica as learnt or declared (NaN when a safe rate is declared).</param>
/// <param name="Correction">The latency feedback's factor on capacity (1: none).</param>
/// <param name="Forecast">The largest demand forecast over the next horizon; NaN while no season is known.</param>
/// <param name="Headroom">The margin on the planned demand, from the recent under-forecasts (0.1 = 10 %).</param>
/// <param name="Season">The season the forecast uses; null when none is known.</param>
/// <param name="Samples">Capacity samples learnt so far (0: the capacity is the declared one).</param>
public sealed record SloSnapshot(double SafeRate, double SafeUtilization, double Capacity, double Correction, double Forecast, double Headroom, TimeSpan? Season, int Samples);

/// <summary>
/// The <c>slo</c> rule: told the service level instead of a threshold. It sizes with the same queueing as the
/// simulator's oracle: the highest per-replica arrival rate whose stationary replica keeps the SLO (the safe rate),
/// and <c>ceil(max(demand × (1 + headroom), demand + z·√demand) / safe rate)</c>, where demand is the larger of the
/// current rate and the largest forecast over the next horizon (a new replica's start-up plus the check interval), the
/// headroom a high quantile of how far demand recently rose above what was planned, and z·√demand the arrivals' own
/// counting noise within one second (the time the service's latency gauge averages over), z the normal quantile of
/// the same headroom quantile: it matters at a few replicas and fades at many. Capacity is declared or learnt, and
/// corrected by the measured latency (<see cref="CapacityModel"/>); the season of the forecast is declared or found
/// in the history (<see cref="DemandForecast"/>). All learning happens in <see cref="Learn"/>; <see cref="Propose"/>
/// reads the snapshot and allocates nothing.
/// </summary>
public sealed class SloPolicy : IScalingPolicy, ILearningPolicy
{
    private readonly SloPolicyOptions _options;
    private readonly TimeProvider _time;
    private readonly CapacityModel _capacity;
    private readonly DemandForecast _forecast;
    private readonly Headroom _headroom;
    private readonly string _metric;
    private readonly string? _utilizationInput;
    private readonly string? _throughputInput;
    private readonly string? _latencyInput;
    private readonly ProposalFormatter _explain;
    private readonly Lock _gate = new();
    private readonly double _noiseZ;
    private SloSnapshot _snapshot = null!;
    private int _replicas = -1;
    private DateTimeOffset _replicasSince;

    /// <summary>Creates the rule for the demand metric named <paramref name="metric"/>.</summary>
    /// <param name="options">The options; checked here.</param>
    /// <param name="time">The clock (virtual in the simulator).</param>
    /// <param name="metric">The name of the demand metric it is bound to; its inputs are named after it.</param>
    /// <exception cref="ArgumentException">The options break a rule; the message names each.</exception>
    public SloPolicy(SloPolicyOptions options, TimeProvider time, string metric = "demand")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException($"slo policy: {string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}"))}", nameof(options));
        }

        _options = options;
        _time = time;
        _metric = metric;
        _capacity = new CapacityModel(options);
        _forecast = new DemandForecast(options);
        // Plans are checked one sample interval past the horizon: the measured rate lags the demand (as for the forecast).
        _headroom = new Headroom(options.Horizon + options.SampleInterval, options.HeadroomQuantile);
        Inputs = options.InputsFor(metric);
        _utilizationInput = Inputs.FirstOrDefault(i => i.Name == $"{metric}.utilization").Name;
        _throughputInput = Inputs.FirstOrDefault(i => i.Name == $"{metric}.throughput").Name;
        _latencyInput = Inputs.FirstOrDefault(i => i.Name == $"{metric}.latency").Name;
        _noiseZ = QueueFormulas.NormalQuantile(options.HeadroomQuantile);
        _explain = Explain;
        Publish(double.NaN);
    }

    /// <inheritdoc />
    public string Name => "slo";

    /// <summary>The options in force.</summary>
    public SloPolicyOptions Options => _options;

    /// <inheritdoc />
    public IReadOnlyList<(string Name, string Query)> Inputs { get; }

    /// <summary>
    /// How much history a warm-up should read: two of the longest season it may use (a declared one, or the longest
    /// the automatic forecast looks for, a week), so the season can be found at once; zero without a forecast.
    /// </summary>
    public TimeSpan WarmUpSpan => _options.Forecast switch
    {
        SloForecast.None => TimeSpan.Zero,
        SloForecast.SeasonalNaive or SloForecast.HoltWinters => 2 * _options.SeasonLength!.Value,
        _ => 2 * SloPolicyOptions.MaxPeriod,
    };

    /// <summary>What the rule has learnt so far.</summary>
    public SloSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                return _snapshot;
            }
        }
    }

    /// <inheritdoc />
    public void Learn(int currentReplicas, IReadOnlyList<MetricReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var demand = Value(readings, _metric);
            if (currentReplicas != _replicas)
            {
                (_replicas, _replicasSince) = (currentReplicas, now);
            }

            var steady = now - _replicasSince >= CapacityModel.SettleTime;
            var throughput = Value(readings, _throughputInput);
            // The latency feedback compares the load per replica with the safe rate: the accepted throughput when it is
            // read, else the demand spread over the replicas.
            var load = double.IsFinite(throughput) ? throughput : currentReplicas > 0 ? demand / currentReplicas : double.NaN;
            _capacity.Observe(throughput, Value(readings, _utilizationInput), Value(readings, _latencyInput), load, steady);
            var forecast = double.NaN;
            if (double.IsFinite(demand))
            {
                _forecast.Observe(now, demand);
                _forecast.DetectIfDue();
                forecast = Forecast(now);
                _headroom.Observe(now, demand, Planned(demand, forecast));
            }

            Publish(forecast);
        }
    }

    /// <summary>
    /// Fills the demand history from a metrics store at start (e.g. a <c>query_range</c> over the last weeks), oldest
    /// first; non-finite values are skipped. The season is looked for at once.
    /// </summary>
    /// <returns>How many values were taken.</returns>
    public int Seed(IEnumerable<(DateTimeOffset Time, double Value)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var taken = 0;
        lock (_gate)
        {
            foreach (var (time, value) in points.OrderBy(p => p.Time))
            {
                if (double.IsFinite(value))
                {
                    _forecast.Observe(time, value);
                    taken++;
                }
            }

            _forecast.DetectIfDue();
            Publish(Forecast(_time.GetUtcNow()));
        }

        return taken;
    }

    /// <inheritdoc />
    public ScalingProposal Propose(int currentReplicas, MetricReading reading)
    {
        if (reading.Value is not { } value)
        {
            return new ScalingProposal(Name, reading.Metric, null, ScalingProposal.NoValue, failure: reading.Failure);
        }

        SloSnapshot s;
        lock (_gate)
        {
            s = _snapshot;
        }

        if (double.IsNaN(s.SafeRate))
        {
            // Capacity still unknown (learnt, nothing informative seen yet): keep the count.
            return new ScalingProposal(Name, reading.Metric, currentReplicas, LearningCapacity, value);
        }

        // Two needs, the larger wins: the demand with the margin its recent under-forecasts call for, and one second's
        // burst of arrivals above it (z·√demand), each at the safe rate.
        var expected = Planned(value, s.Forecast);
        var planned = Math.Max(expected * (1 + s.Headroom), expected + (_noiseZ * Math.Sqrt(Math.Max(0, expected))));
        var replicas = planned <= 0 ? 0
            : s.SafeRate <= 0 ? int.MaxValue
            : (int)Math.Min(int.MaxValue, Math.Ceiling(planned / s.SafeRate));
        return new ScalingProposal(Name, reading.Metric, replicas, _explain, value, s.SafeRate, planned, context: s);
    }

    private static double Planned(double current, double forecast) => double.IsNaN(forecast) ? current : Math.Max(current, forecast);

    private double Forecast(DateTimeOffset now) => _options.Forecast == SloForecast.None ? double.NaN : _forecast.ForecastMax(now, _options.Horizon);

    private void Publish(double forecast)
    {
        var period = _forecast.LongPeriod > 0 && _forecast.Count >= _forecast.LongPeriod ? _forecast.LongPeriod : _forecast.Period;
        _snapshot = new SloSnapshot(_capacity.SafeRate, _capacity.SafeUtilization, _capacity.Capacity, _capacity.Correction, forecast, _headroom.Margin,
            period > 0 ? _forecast.SlotWidth * period : null, _capacity.Samples);
    }

    private static double Value(IReadOnlyList<MetricReading> readings, string? name)
    {
        if (name is null)
        {
            return double.NaN;
        }

        for (var i = 0; i < readings.Count; i++)
        {
            if (readings[i].Metric == name)
            {
                return readings[i].Value ?? double.NaN;
            }
        }

        return double.NaN;
    }

    private string Explain(in ScalingProposal p)
    {
        // What the rule knew when it proposed (a decision rendered later must not show what it learnt since).
        var s = p.Context as SloSnapshot ?? Snapshot;
        var forecast = double.IsNaN(s.Forecast) ? "no forecast yet" : ScalingProposal.Say($"forecast {s.Forecast:0.#} over the next {Time.Durations.Format(_options.Horizon)}");
        var capacity = double.IsNaN(s.Capacity) ? "declared" : ScalingProposal.Say($"capacity {s.Capacity:0.##}/s{(s.Samples > 0 ? " learnt" : "")}, ρ* {s.SafeUtilization:0.###}");
        var correction = s.Correction < 1 ? ScalingProposal.Say($", latency correction ×{s.Correction:0.###}") : "";
        return ScalingProposal.Say(
            $"demand {p.Value:0.#}/s ({forecast}) +{s.Headroom:P0} headroom = {p.Extra:0.#}/s against {p.Bound:0.##}/s per replica for {_options.Statistic.Label()} ≤ {Time.Durations.Format(_options.Latency)} ({capacity}{correction})");
    }

    private static readonly ProposalFormatter LearningCapacity = static (in p) =>
        ScalingProposal.Say($"demand {p.Value:0.#}/s; holding until the capacity has been learnt (no utilization of 10 % or more seen yet with the replica count steady for a minute)");
}
