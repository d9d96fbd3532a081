using Autoscaler.Core.Queueing;

namespace Autoscaler.Core.Policies.Slo;

/// <summary>
/// What one replica can do, declared or learnt, and the safe per-replica rate that follows with Core's queueing
/// (<see cref="ReplicaQueue.MaxUtilizationWithin"/>, the oracle's formula).
/// <list type="bullet">
/// <item>Capacity W/S is learnt from throughput per replica / utilization (busy workers are completions × S), only
/// while utilization is informative (at least 10 %: below, both are mostly noise; a saturated replica counts, as long
/// as the throughput query counts the requests it accepted, not those it rejected; a reading up to 1.2 is taken as 1) and the replica count has not changed for a minute (the learning queries' window: a per-replica
/// average over a window in which replicas came or went mixes two fleets). Samples are smoothed in log space with
/// weight <see cref="LearnWeight"/>, each counting as at most <see cref="MaxDeviation"/> (10 %) away from the estimate
/// (a Huber step: one odd sample moves it by 1 % at most, a real change still arrives within minutes), and the estimate stays within a factor
/// <see cref="MaxDrift"/> of the declared value when there is one.</item>
/// <item>Latency feedback: when the measured latency statistic breaks the bound while the model says the current load
/// per replica is safe, for <see cref="ViolationsToCorrect"/> checks in a row, the service is slower than the model
/// and its capacity is corrected down by <see cref="CorrectionStep"/>; while the latency sits below half the bound
/// the correction creeps back towards 1 by <see cref="RecoveryStep"/> a check. The correction never goes below
/// <see cref="MinCorrection"/>.</item>
/// </list>
/// The safe utilization depends only on W, Q, the distribution and the bound divided by S, so it is computed for
/// that ratio rounded down to 0.25 % and cached: a steady estimate costs a look-up.
/// </summary>
internal sealed class CapacityModel
{
    public const double LearnWeight = 0.1;
    public static readonly double MaxDeviation = Math.Log(1.1);
    public static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(1);
    public const double MaxDrift = 4;
    public const int ViolationsToCorrect = 3;
    public const double CorrectionStep = 0.95;
    public const double RecoveryStep = 1.005;
    public const double MinCorrection = 0.25;
    public const double MaxUtilizationRead = 1.2;

    private readonly SloPolicyOptions _options;
    private readonly ReplicaQueue? _unitQueue;
    private readonly Dictionary<int, double> _safeUtilization = [];
    private readonly double _declaredCapacity;
    private double _logCapacity = double.NaN;
    private int _violations;

    public CapacityModel(SloPolicyOptions options)
    {
        _options = options;
        if (options.SafeRate is null)
        {
            // A queue with S = 1: latency scales with S, blocking does not, so ρ*(W, S, L) = ρ*(W, 1, L/S).
            _unitQueue = new ReplicaQueue(options.Workers!.Value, 1, options.Distribution, options.QueueLimit);
            _declaredCapacity = options.ServiceTime is { } s ? options.Workers.Value / s.TotalSeconds : double.NaN;
        }
        else
        {
            _declaredCapacity = double.NaN;
        }

        if (double.IsFinite(_declaredCapacity))
        {
            _logCapacity = Math.Log(_declaredCapacity);
        }

        Recompute();
    }

    /// <summary>Requests per second a saturated replica completes (W/S), as learnt; NaN when a declared safe rate stands in.</summary>
    public double Capacity => double.IsNaN(_logCapacity) ? double.NaN : Math.Exp(_logCapacity);

    /// <summary>Capacity samples taken so far.</summary>
    public int Samples { get; private set; }

    /// <summary>The latency correction (1: the model is believed; below: the service is slower than modelled).</summary>
    public double Correction { get; private set; } = 1;

    /// <summary>Requests per second one replica may take while keeping the SLO; NaN until the capacity is known.</summary>
    public double SafeRate { get; private set; } = double.NaN;

    /// <summary>The safe utilization behind <see cref="SafeRate"/>.</summary>
    public double SafeUtilization { get; private set; } = double.NaN;

    /// <summary>
    /// Learns from one check's per-replica throughput, utilization and measured latency (NaN: not read);
    /// <paramref name="load"/> is the per-replica load the latency feedback compares with the safe rate (the throughput,
    /// or the demand per replica when no throughput is read); <paramref name="steady"/> says whether the replica count
    /// has held for <see cref="SettleTime"/>.
    /// </summary>
    public void Observe(double throughput, double utilization, double latency, double load, bool steady)
    {
        // A saturated replica's utilization may read a little above 1 (a busy-seconds counter and a request counter
        // scraped at slightly different instants): up to 1.2 it is taken as 1; above, the queries are not what they claim.
        if (_unitQueue is not null && steady && utilization is >= 0.1 and <= MaxUtilizationRead && throughput > 0 && double.IsFinite(throughput))
        {
            var sample = Math.Log(throughput / Math.Min(1, utilization));
            if (double.IsNaN(_logCapacity))
            {
                _logCapacity = sample;
            }
            else
            {
                _logCapacity += LearnWeight * Math.Clamp(sample - _logCapacity, -MaxDeviation, MaxDeviation);
            }

            if (double.IsFinite(_declaredCapacity))
            {
                var bound = Math.Log(MaxDrift);
                _logCapacity = Math.Clamp(_logCapacity, Math.Log(_declaredCapacity) - bound, Math.Log(_declaredCapacity) + bound);
            }

            Samples++;
        }

        if (double.IsFinite(latency) && double.IsFinite(SafeRate) && double.IsFinite(load))
        {
            var bound = _options.Latency.TotalSeconds;
            if (latency > bound && load <= SafeRate)
            {
                if (++_violations >= ViolationsToCorrect)
                {
                    Correction = Math.Max(MinCorrection, Correction * CorrectionStep);
                }
            }
            else
            {
                _violations = 0;
                if (latency < bound / 2 && Correction < 1)
                {
                    Correction = Math.Min(1, Correction * RecoveryStep);
                }
            }
        }

        Recompute();
    }

    private void Recompute()
    {
        if (_options.SafeRate is { } declared)
        {
            SafeRate = declared * Correction;
            SafeUtilization = double.NaN;
            return;
        }

        if (double.IsNaN(_logCapacity))
        {
            return;
        }

        // The corrected service time S/k: a slower service at the same W.
        var workers = _options.Workers!.Value;
        var serviceSeconds = workers / Capacity / Correction;
        var ratio = _options.Latency.TotalSeconds / serviceSeconds;
        var key = (int)Math.Floor(Math.Log(ratio) * 400);
        if (!_safeUtilization.TryGetValue(key, out var rho))
        {
            var level = _options.Level with { LatencySeconds = Math.Exp(key / 400.0) };
            rho = _unitQueue!.MaxUtilizationWithin(level);
            _safeUtilization[key] = rho;
        }

        SafeUtilization = rho;
        SafeRate = rho * workers / serviceSeconds;
    }
}
