using System.Runtime.CompilerServices;

namespace Autoscaler.Simulation.Model;

/// <summary>What one simulation step produced, summed over the replicas.</summary>
internal struct StepOutcome
{
    /// <summary>Requests offered in the step (demand × step).</summary>
    public double Offered;

    /// <summary>Requests accepted by a replica.</summary>
    public double Accepted;

    /// <summary>Requests completed in the step (ready and draining replicas).</summary>
    public double Served;

    /// <summary>Requests rejected: queues full, no replica ready, or left over when a drain ran out of time.</summary>
    public double Dropped;

    /// <summary>Mean response time of the requests accepted in the step; 0 when none.</summary>
    public double MeanLatency;

    /// <summary>95th percentile response time of the requests accepted in the step; 0 when none.</summary>
    public double P95Latency;

    /// <summary>Requests waiting for a worker, summed over ready replicas (time average over the step).</summary>
    public double QueueLength;

    /// <summary>Busy workers / workers of the ready replicas (time average).</summary>
    public double Utilization;

    /// <summary>Replica-seconds used in the step: starting, ready and draining replicas.</summary>
    public double ReplicaSeconds;
}

/// <summary>
/// One policy's replicas: ready ones sharing the load equally (perfect balancing), starting ones that serve only
/// after the start-up delay, and removed ones draining their queue. The ready replicas' state is one number, x,
/// the mean requests in a replica, moved by the pointwise-stationary fluid flow (docs/simulation.md):
/// dx/dt = a·(1 − P_K(x)) − d(x), with a the arrival rate per replica and d the departure rate.
/// </summary>
internal sealed class ReplicaSet
{
    private readonly ServiceCurves _curves;
    private readonly CurveRow[] _rows;
    private readonly double _dt;
    private readonly long _startupSteps;
    private readonly double _drainSeconds;
    private readonly double[] _percentileWeights;

    private long[] _starting = new long[8];
    private int _startingHead;
    private int _startingCount;
    private double[] _drainContent = new double[8];
    private double[] _drainLeft = new double[8];
    private int _drainCount;
    private int _ready;
    private double _x;
    private double _lostOnRemoval;

    public ReplicaSet(ServiceCurves curves, ServiceModelSpec spec, double stepSeconds, int initialReady)
    {
        _curves = curves;
        _rows = curves.Rows;
        _dt = stepSeconds;
        _startupSteps = StartupSteps(spec, stepSeconds);
        _drainSeconds = spec.DrainTime.TotalSeconds;
        _percentileWeights = new double[curves.CoarseCount];
        _ready = initialReady;
    }

    /// <summary>Whole steps from starting a replica to its first request: the start-up delay rounded up to the step.</summary>
    public static long StartupSteps(ServiceModelSpec spec, double stepSeconds) =>
        (long)Math.Ceiling((spec.StartupDelay.TotalSeconds / stepSeconds) - 1e-9);

    /// <summary>Replicas serving.</summary>
    public int Ready => _ready;

    /// <summary>Replicas started and not yet serving.</summary>
    public int Starting => _startingCount;

    /// <summary>What the scaling target reports: ready and starting replicas (draining ones are gone for it).</summary>
    public int Target => _ready + _startingCount;

    /// <summary>Mean requests in one ready replica.</summary>
    public double Content => _x;

    /// <summary>Requests accepted over the run, by coarse curve row: the weights of the run-wide latency percentile.</summary>
    public ReadOnlySpan<double> PercentileWeights => _percentileWeights;

    /// <summary>Forgets the requests accepted so far: <see cref="PercentileWeights"/> then weighs those from here on.</summary>
    public void ClearPercentileWeights() => Array.Clear(_percentileWeights);

    /// <summary>Starts or removes replicas so that <see cref="Target"/> becomes <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScaleTo(int target, long step)
    {
        var current = Target;
        for (var i = current; i < target; i++)
        {
            PushStarting(step + _startupSteps);
        }

        var remove = current - target;
        while (remove > 0 && _startingCount > 0)
        {
            _startingCount--; // the newest first: Kubernetes also removes pods that are not ready first
            remove--;
        }

        for (; remove > 0; remove--)
        {
            _ready--;
            if (_x > 0)
            {
                if (_drainSeconds > 0)
                {
                    PushDraining(_x);
                }
                else
                {
                    _lostOnRemoval += _x;
                }
            }
        }

        if (_ready == 0)
        {
            _x = 0;
        }
    }

    /// <summary>Starting replicas whose delay is over begin to serve; the ready ones' requests spread over all of them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Promote(long step)
    {
        var promoted = 0;
        while (_startingCount > 0 && _starting[_startingHead] <= step)
        {
            _startingHead = (_startingHead + 1) % _starting.Length;
            _startingCount--;
            promoted++;
        }

        if (promoted > 0)
        {
            _x = _ready == 0 ? 0 : _x * _ready / (_ready + promoted);
            _ready += promoted;
        }
    }

    /// <summary>Runs one step with <paramref name="demand"/> requests per second offered to the ready replicas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(double demand, ref StepOutcome outcome)
    {
        var dt = _dt;
        outcome = default;
        outcome.Offered = demand * dt;
        outcome.Dropped = _lostOnRemoval;
        _lostOnRemoval = 0;
        outcome.ReplicaSeconds = (_ready + _startingCount) * dt;
        DrainStep(ref outcome);
        if (_ready == 0)
        {
            outcome.Dropped += outcome.Offered; // the balancer has nowhere to send them
            return;
        }

        var n = _ready;
        var a = demand / n;
        var x = _x;
        Slope(x, a, out var f, out var j);
        var move = Math.Abs(f) * dt;
        var substeps = move <= 0.25 ? 1 : (int)Math.Min(64, Math.Ceiling(move / Math.Max(0.25, 0.1 * x)));
        var h = dt / substeps;
        double accepted = 0, latency = 0, p95 = 0, queue = 0, utilization = 0, served = 0, dropped = 0;
        for (var s = 0; s < substeps; s++)
        {
            var x1 = Advance(x, f, j, h);
            Slope(x1, a, out var f1, out var j1);
            if (Sign(f1) == -Sign(f) && Math.Abs(f1) > 1e-9 * (1 + a))
            {
                // The fixed point lies in between: settle on it instead of overshooting.
                x1 = Root(x, x1, a);
                Slope(x1, a, out f1, out j1);
            }

            var mid = 0.5 * (x + x1);
            ref readonly var r0 = ref Lookup(mid, out var frac, out var index);
            ref readonly var r1 = ref _rows[index + 1];
            var blocking = r0.Blocking + ((r1.Blocking - r0.Blocking) * frac);
            var arrivals = a * h;
            var acc = arrivals * (1 - blocking);
            accepted += acc;
            dropped += arrivals - acc;
            served += Math.Max(0, acc - (x1 - x));
            latency += acc * (r0.Latency + ((r1.Latency - r0.Latency) * frac));
            p95 += acc * (r0.P95 + ((r1.P95 - r0.P95) * frac));
            queue += h * (r0.Queue + ((r1.Queue - r0.Queue) * frac));
            utilization += h * (r0.Utilization + ((r1.Utilization - r0.Utilization) * frac));
            var weight = acc * n;
            _percentileWeights[r0.Coarse] += weight * (1 - r0.CoarseFraction);
            _percentileWeights[r0.Coarse + 1] += weight * r0.CoarseFraction;
            (x, f, j) = (x1, f1, j1);
        }

        _x = x;
        outcome.Accepted = accepted * n;
        outcome.Served += served * n;
        outcome.Dropped += dropped * n;
        outcome.MeanLatency = accepted > 0 ? latency / accepted : 0;
        outcome.P95Latency = accepted > 0 ? p95 / accepted : 0;
        outcome.QueueLength = queue / dt * n;
        outcome.Utilization = utilization / dt;
    }

    /// <summary>Exponential Euler: exact while f is linear in x, stable however stiff.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Advance(double x, double f, double j, double h)
    {
        var z = j * h;
        var phi = Math.Abs(z) < 1e-5 ? 1 + (z * (0.5 + (z / 6))) : (Math.Exp(z) - 1) / z;
        return Math.Clamp(x + (f * h * phi), 0, _curves.MaxContent);
    }

    /// <summary>f(x) = a·(1 − P_K) − d and its slope on the table segment holding x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Slope(double x, double a, out double f, out double j)
    {
        ref readonly var r0 = ref Lookup(x, out var frac, out var index);
        ref readonly var r1 = ref _rows[index + 1];
        var dBlocking = r1.Blocking - r0.Blocking;
        var dDepartures = r1.Departures - r0.Departures;
        f = (a * (1 - (r0.Blocking + (dBlocking * frac)))) - (r0.Departures + (dDepartures * frac));
        j = -((a * dBlocking) + dDepartures) * _curves.InverseStep;
    }

    private double Root(double lo, double hi, double a)
    {
        Slope(lo, a, out var flo, out _);
        for (var i = 0; i < 40; i++)
        {
            var mid = 0.5 * (lo + hi);
            Slope(mid, a, out var f, out _);
            if (Sign(f) == Sign(flo))
            {
                (lo, flo) = (mid, f);
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// <see cref="Math.Sign(double)"/> without its NaN check, which keeps the JIT from inlining it: a call per substep
    /// took 6 % of a noisy run. x and f are never NaN here (the table and the demand are finite).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Sign(double value) => value > 0 ? 1 : value < 0 ? -1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ref readonly CurveRow Lookup(double x, out double frac, out int index)
    {
        var position = x * _curves.InverseStep;
        var i = (int)position;
        if (i >= _rows.Length - 1)
        {
            i = _rows.Length - 2;
        }

        frac = position - i;
        index = i;
        return ref _rows[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DrainStep(ref StepOutcome outcome)
    {
        var capacity = _curves.Capacity;
        for (var i = _drainCount - 1; i >= 0; i--)
        {
            var content = _drainContent[i];
            var available = Math.Min(_dt, _drainLeft[i]);
            var needed = content / capacity;
            if (needed <= available)
            {
                outcome.Served += content;
                outcome.ReplicaSeconds += needed;
                RemoveDraining(i);
                continue;
            }

            outcome.Served += capacity * available;
            outcome.ReplicaSeconds += available;
            _drainContent[i] = content - (capacity * available);
            _drainLeft[i] -= available;
            if (_drainLeft[i] <= 1e-12)
            {
                outcome.Dropped += _drainContent[i]; // the drain time is over: whatever is left is cut off
                RemoveDraining(i);
            }
        }
    }

    private void PushStarting(long readyAt)
    {
        if (_startingCount == _starting.Length)
        {
            var grown = new long[_starting.Length * 2];
            for (var i = 0; i < _startingCount; i++)
            {
                grown[i] = _starting[(_startingHead + i) % _starting.Length];
            }

            (_starting, _startingHead) = (grown, 0);
        }

        _starting[(_startingHead + _startingCount) % _starting.Length] = readyAt;
        _startingCount++;
    }

    private void PushDraining(double content)
    {
        if (_drainCount == _drainContent.Length)
        {
            Array.Resize(ref _drainContent, _drainCount * 2);
            Array.Resize(ref _drainLeft, _drainCount * 2);
        }

        _drainContent[_drainCount] = content;
        _drainLeft[_drainCount] = _drainSeconds;
        _drainCount++;
    }

    private void RemoveDraining(int i)
    {
        _drainCount--;
        _drainContent[i] = _drainContent[_drainCount];
        _drainLeft[i] = _drainLeft[_drainCount];
    }
}
