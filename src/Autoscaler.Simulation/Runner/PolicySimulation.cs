using System.Runtime.CompilerServices;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Queueing;
using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;

namespace Autoscaler.Simulation.Runner;

/// <summary>What every policy of a run shares (read-only).</summary>
internal sealed record RunContext(
    ServiceCurves Curves,
    ServiceModelSpec Service,
    ObservationSpec Observation,
    SloSpec Slo,
    double StepSeconds,
    long TotalSteps,
    long BucketSteps,
    long Seed,
    long ScoreFromStep = 0);

/// <summary>
/// One policy's run, step by step: scrapes, the policy's evaluations (or the oracle's count), the replica set's
/// step, and the scores and downsampled series. Runs on one thread at a time; deterministic.
/// </summary>
internal sealed class PolicySimulation
{
    private readonly RunContext _run;
    private readonly SimulatedScaler? _scaler;
    private readonly SimulatedReads? _reads;
    private readonly ReplicaSet _replicas;
    private readonly long _scrapeSteps;
    private readonly long _evaluationSteps;
    private readonly long _stepTicks;
    private readonly List<SeriesPoint> _series = [];

    private StepOutcome _last;
    private int _lastReady;
    private double _answered;
    private double _acceptedCount;
    private int _desired;

    // Scores.
    private double _replicaSeconds;
    private double _dropped;
    private double _offered;
    private double _accepted;
    private double _latencySum;
    private long _violationSteps;
    private long _steps;
    private long _scoredSteps;
    private int _scaleActions;
    private double _underSum;
    private double _overSum;
    private long _underSteps;
    private long _overSteps;
    private long _unstableSteps;
    private int _previousSupply;
    private int _previousDemand;

    // The open bucket of the series.
    private long _bucketStart;
    private long _bucketCount;
    private double _bucketDemand;
    private double _bucketServed;
    private double _bucketDropped;
    private double _bucketAccepted;
    private double _bucketLatency;
    private double _bucketP95;
    private double _bucketQueue;

    /// <summary>
    /// A policy run; <paramref name="scaler"/> null makes it the oracle. <paramref name="reads"/> are the simulated
    /// sources the scaler's step was built with (null for the oracle, which reads nothing).
    /// </summary>
    public PolicySimulation(string name, RunContext run, SimulatedScaler? scaler, SimulatedReads? reads, int initialReady)
    {
        Name = name;
        _run = run;
        _scaler = scaler;
        _reads = reads;
        _replicas = new ReplicaSet(run.Curves, run.Service, run.StepSeconds, initialReady);
        _desired = initialReady;
        _stepTicks = TimeSpan.FromSeconds(run.StepSeconds).Ticks;
        _scrapeSteps = Math.Max(1, (long)Math.Round(run.Observation.ScrapeInterval.TotalSeconds / run.StepSeconds));
        _evaluationSteps = scaler is null ? 1 : Math.Max(1, (long)Math.Round(scaler.CheckInterval.TotalSeconds / run.StepSeconds));
        reads?.Start(TimeSpan.FromSeconds(_scrapeSteps * run.StepSeconds), run.StepSeconds, run.Seed);
    }

    public string Name { get; }

    public bool IsOracle => _scaler is null;

    /// <summary>
    /// Runs steps [<paramref name="start"/>, start + count). <paramref name="demand"/>[i] is the rate at step start + i,
    /// <paramref name="need"/>[i] the oracle's replica count for it (the elasticity demand), and
    /// <paramref name="oracleTarget"/>[i] the oracle's target (the need one start-up delay ahead).
    /// <paramref name="cancellationToken"/> is looked at every few thousand steps, so a stop never waits for a chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(long start, int count, double[] demand, int[] need, int[] oracleTarget, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            if ((i & 4095) == 4095)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var k = start + i;
            Observe(k);
            if (_scaler is null)
            {
                var target = oracleTarget[i];
                if (target != _replicas.Target)
                {
                    _replicas.ScaleTo(target, k);
                    _scaleActions += k >= _run.ScoreFromStep ? 1 : 0;
                }

                _desired = target;
            }
            else if (IsDue(k))
            {
                Apply(k, Propose(k));
            }

            Advance(k, demand[i], need[i]);
        }
    }

    // A step of a run is Observe, then (when the policy is due) Propose and Apply, then Advance. Run does them in a row;
    // a fleet (FleetSimulation) calls them one at a time for every service, so that a fleet-wide rule can stand between
    // what each policy proposes and what is applied.

    /// <summary>Scrapes the replicas when step <paramref name="k"/> is a scrape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Observe(long k)
    {
        if (_reads is { Observes: true } && k > 0 && k % _scrapeSteps == 0 && _lastReady > 0)
        {
            _reads.Record(new ScrapeSample
            {
                Step = k,
                Replicas = _lastReady,
                ResponseTime = _last.MeanLatency,
                P95 = _last.P95Latency,
                Utilization = _last.Utilization,
                QueuePerReplica = _last.QueueLength / _lastReady,
                Counter = _answered,
                AcceptedCounter = _acceptedCount,
            });
        }
    }

    /// <summary>Whether the policy evaluates at step <paramref name="k"/> (never for the oracle).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsDue(long k) => _scaler is not null && k % _evaluationSteps == 0;

    /// <summary>The policy's target count now: starting and ready replicas, what a scaling target reports.</summary>
    internal int Target => _replicas.Target;

    /// <summary>The fewest replicas the policy keeps (its own minimum; 0 for the oracle).</summary>
    internal int MinReplicas => _scaler?.Policy.MinReplicas ?? 0;

    /// <summary>Evaluates the policy at step <paramref name="k"/>: the count its pipeline wants, nothing applied yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int Propose(long k)
    {
        // The step's read, then its decision: the sources bound to the scrape history read at step k.
        _reads!.Now = k;
        var readings = _scaler!.Read();
        return _scaler.Evaluate(VirtualClock.Epoch.AddTicks(k * _stepTicks), _replicas.Target, readings).DesiredReplicas;
    }

    /// <summary>Moves the target to <paramref name="desired"/> at step <paramref name="k"/> and tells the pipeline when it moved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Apply(long k, int desired)
    {
        var current = _replicas.Target;
        if (desired != current)
        {
            _replicas.ScaleTo(desired, k);
            _scaler!.Applied(current, desired);
            _scaleActions += k >= _run.ScoreFromStep ? 1 : 0;
        }

        _desired = desired;
    }

    /// <summary>Runs step <paramref name="k"/> of the model at <paramref name="demand"/> and scores it against <paramref name="need"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Advance(long k, double demand, int need)
    {
        _replicas.Promote(k);
        var ready = _replicas.Ready;
        _replicas.Step(demand, ref _last);
        _lastReady = ready;
        if (ready > 0)
        {
            _answered += _last.Offered;
            _acceptedCount += _last.Accepted;
        }

        Score(k, demand, ready, need);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Score(long k, double demand, int supply, int needed)
    {
        ref readonly var o = ref _last;
        if (k >= _run.ScoreFromStep)
        {
            if (k == _run.ScoreFromStep && k > 0)
            {
                // The run-wide percentile is that of the scored part only.
                _replicas.ClearPercentileWeights();
            }

            Add(o, supply, needed);
        }

        _steps++;

        if (_bucketCount == 0)
        {
            _bucketStart = _steps - 1;
        }

        _bucketCount++;
        _bucketDemand += demand;
        _bucketServed += o.Served;
        _bucketDropped += o.Dropped;
        _bucketAccepted += o.Accepted;
        _bucketLatency += o.Accepted * o.MeanLatency;
        _bucketP95 += o.Accepted * o.P95Latency;
        _bucketQueue += o.QueueLength;
        if (_bucketCount == _run.BucketSteps || _steps == _run.TotalSteps)
        {
            var seconds = _bucketCount * _run.StepSeconds;
            _series.Add(new SeriesPoint(
                _bucketStart * _run.StepSeconds,
                _bucketDemand / _bucketCount,
                supply,
                _desired,
                needed,
                _bucketServed / seconds,
                _bucketDropped / seconds,
                _bucketAccepted > 0 ? _bucketLatency / _bucketAccepted : 0,
                _bucketAccepted > 0 ? _bucketP95 / _bucketAccepted : 0,
                _bucketQueue / _bucketCount));
            _bucketCount = 0;
            _bucketDemand = _bucketServed = _bucketDropped = _bucketAccepted = _bucketLatency = _bucketP95 = _bucketQueue = 0;
        }
    }

    /// <summary>Adds one scored step (one from <see cref="RunContext.ScoreFromStep"/> on) to the scores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(in StepOutcome o, int supply, int needed)
    {
        var slo = _run.Slo;
        _replicaSeconds += o.ReplicaSeconds;
        _dropped += o.Dropped;
        _offered += o.Offered;
        _accepted += o.Accepted;
        _latencySum += o.Accepted * o.MeanLatency;
        var errorRate = o.Offered > 0 ? o.Dropped / o.Offered : o.Dropped > 0 ? 1 : 0;
        var latency = slo.Statistic == LatencyStatistic.P95 ? o.P95Latency : o.MeanLatency;
        if (errorRate > slo.MaxErrorRate || (o.Accepted > 0 && latency > slo.LatencySeconds))
        {
            _violationSteps++;
        }

        // SPEC RG elasticity: demand = the oracle's replica count, supply = ready replicas.
        var scale = needed > 1 ? needed : 1;
        if (supply < needed)
        {
            _underSum += (double)(needed - supply) / scale;
            _underSteps++;
        }
        else if (supply > needed)
        {
            _overSum += (double)(supply - needed) / scale;
            _overSteps++;
        }

        if (_scoredSteps > 0 && Math.Sign(supply - _previousSupply) != Math.Sign(needed - _previousDemand))
        {
            _unstableSteps++;
        }

        (_previousSupply, _previousDemand) = (supply, needed);
        _scoredSteps++;
    }

    /// <summary>The scores and series, once every step has run; <paramref name="oracleReplicaSeconds"/> prices the ratio.</summary>
    public PolicyRun Finish(double oracleReplicaSeconds, double costPerReplicaHour)
    {
        var steps = Math.Max(1, _scoredSteps);
        var p95 = _run.Curves.MixturePercentile(_replicas.PercentileWeights);
        var score = new PolicyScore
        {
            Policy = Name,
            ReplicaSeconds = _replicaSeconds,
            Cost = _replicaSeconds / 3600 * costPerReplicaHour,
            CostRatioToOracle = oracleReplicaSeconds > 0 ? _replicaSeconds / oracleReplicaSeconds : 0,
            SloViolationSeconds = _violationSteps * _run.StepSeconds,
            SloViolationPercent = 100.0 * _violationSteps / steps,
            DroppedRequests = (long)Math.Round(_dropped),
            OfferedRequests = (long)Math.Round(_offered),
            ErrorRate = _offered > 0 ? Math.Min(1, _dropped / _offered) : 0,
            ScaleActions = _scaleActions,
            MeanLatencySeconds = _accepted > 0 ? _latencySum / _accepted : 0,
            P95LatencySeconds = double.IsFinite(p95) ? p95 : 0,
            UnderProvisioningAccuracy = 100 * _underSum / steps,
            OverProvisioningAccuracy = 100 * _overSum / steps,
            UnderProvisioningTimeshare = 100.0 * _underSteps / steps,
            OverProvisioningTimeshare = 100.0 * _overSteps / steps,
            Instability = steps > 1 ? 100.0 * _unstableSteps / (steps - 1) : 0,
        };
        return new PolicyRun(score with { MeetsSlo = _run.Slo.Breaches(score).Count == 0 }, _series);
    }

    /// <summary>Replica-seconds so far (the oracle's, for the others' cost ratio).</summary>
    public double ReplicaSeconds => _replicaSeconds;
}
