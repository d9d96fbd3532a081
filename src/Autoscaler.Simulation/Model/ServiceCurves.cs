using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Autoscaler.Core.Queueing;
using Autoscaler.Core.ServiceModel;

namespace Autoscaler.Simulation.Model;

/// <summary>One grid point of <see cref="ServiceCurves"/>: the stationary replica whose mean content is the point's x.</summary>
internal struct CurveRow
{
    /// <summary>Offered utilization ρ̂ = λ/(Wμ) of the stationary queue with this content.</summary>
    public double Rho;

    /// <summary>Requests completed per second per replica.</summary>
    public double Departures;

    /// <summary>Probability that an arrival is rejected.</summary>
    public double Blocking;

    /// <summary>Mean response time (wait + service).</summary>
    public double Latency;

    /// <summary>95th percentile response time.</summary>
    public double P95;

    /// <summary>Mean number waiting for a worker.</summary>
    public double Queue;

    /// <summary>Busy workers / workers.</summary>
    public double Utilization;

    /// <summary>The coarse row at or below this one (for the run-wide percentile) and the weight of the next one.</summary>
    public int Coarse;

    /// <summary>Share of the weight that goes to <see cref="Coarse"/> + 1.</summary>
    public double CoarseFraction;
}

/// <summary>
/// The replica's queueing behaviour, tabulated once per service model over x, the mean number of requests in one
/// replica (working + waiting), so that a simulation step is a handful of table look-ups (docs/simulation.md).
/// Immutable and shared by every policy of a run (and across runs with the same model).
/// </summary>
internal sealed class ServiceCurves
{
    private const double RhoCap = 200;
    private const double Percentile = 0.95;
    private const int CoarseRows = 128;

    private static readonly ConcurrentDictionary<(int, long, ServiceTimeDistribution, int), Lazy<ServiceCurves>> Cache = new();

    private readonly CurveRow[] _rows;
    private readonly int[] _coarseFine;
    private readonly ResponseTail[] _coarseTail;
    private readonly ReplicaQueue _queue;

    private ServiceCurves(ServiceModelSpec spec)
    {
        _queue = new ReplicaQueue(spec.Workers, spec.ServiceTime.TotalSeconds, spec.Distribution, spec.QueueLimit);

        MaxContent = Content(RhoCap);
        var count = (int)Math.Clamp(Math.Ceiling(MaxContent / 0.02), 2048, 65536) + 1;
        Step = MaxContent / (count - 1);
        InverseStep = 1 / Step;
        _rows = new CurveRow[count];
        var rho = 0.0;
        for (var i = 0; i < count; i++)
        {
            rho = i == 0 ? 0 : i == count - 1 ? RhoCap : SolveRho(i * Step, rho);
            _rows[i] = RowAt(rho);
        }

        // Percentiles cost more: compute them on coarse rows, denser at low load, and interpolate in between.
        var coarse = new List<int>();
        for (var j = 0; j < CoarseRows; j++)
        {
            var f = (double)j / (CoarseRows - 1);
            var index = (int)Math.Round((count - 1) * f * f);
            if (coarse.Count == 0 || index > coarse[^1])
            {
                coarse.Add(index);
            }
        }

        _coarseFine = [.. coarse];
        _coarseTail = new ResponseTail[_coarseFine.Length];
        var p95 = new double[_coarseFine.Length];
        for (var j = 0; j < _coarseFine.Length; j++)
        {
            _coarseTail[j] = _queue.Tail(_rows[_coarseFine[j]].Rho);
            p95[j] = SolvePercentile([j], [1.0], j == 0 ? 0 : p95[j - 1], double.NaN);
        }

        for (int j = 0, i = 0; i < count; i++)
        {
            while (j + 1 < _coarseFine.Length - 1 && _coarseFine[j + 1] <= i)
            {
                j++;
            }

            var (lo, hi) = (_coarseFine[j], _coarseFine[Math.Min(j + 1, _coarseFine.Length - 1)]);
            var fraction = hi > lo ? Math.Clamp((double)(i - lo) / (hi - lo), 0, 1) : 0;
            _rows[i].Coarse = j;
            _rows[i].CoarseFraction = fraction;
            _rows[i].P95 = p95[j] + ((p95[Math.Min(j + 1, p95.Length - 1)] - p95[j]) * fraction);
        }
    }

    /// <summary>The curves of <paramref name="spec"/>, built once per process and shared.</summary>
    public static ServiceCurves For(ServiceModelSpec spec) =>
        Cache.GetOrAdd((spec.Workers, spec.ServiceTime.Ticks, spec.Distribution, spec.QueueLimit),
            _ => new Lazy<ServiceCurves>(() => new ServiceCurves(spec))).Value;

    /// <summary>Requests per second one saturated replica completes (W/S).</summary>
    public double Capacity => _queue.Capacity;

    /// <summary>The largest mean content the table covers (a replica whose queue is full).</summary>
    public double MaxContent { get; }

    /// <summary>Grid spacing in x.</summary>
    public double Step { get; }

    public double InverseStep { get; }

    /// <summary>The grid, shared by every <see cref="ReplicaSet"/> of this service model (cached); nobody writes it after construction.</summary>
    public CurveRow[] Rows => _rows;

    /// <summary>Number of coarse rows (the size of a run's percentile weights).</summary>
    public int CoarseCount => _coarseFine.Length;

    /// <summary>The replica as a queue: the formulas behind the table, shared with the <c>slo</c> rule.</summary>
    public ReplicaQueue Queue => _queue;

    /// <summary>Mean content x = busy + h·L_q of a stationary replica at utilization <paramref name="rho"/>.</summary>
    public double Content(double rho) => _queue.Content(rho);

    /// <summary>
    /// The highest utilization at which a stationary replica, as tabulated, keeps every request statistic within
    /// the bounds: the oracle's operating point. Taken on grid points so that the table never reports more at
    /// or below it. 0 when even an idle replica breaks a bound.
    /// </summary>
    public double MaxUtilizationWithin(double maxMeanLatency, double maxP95Latency, double maxBlocking)
    {
        var best = -1;
        for (var i = 0; i < _rows.Length; i++)
        {
            ref readonly var r = ref _rows[i];
            if (r.Latency > maxMeanLatency || r.P95 > maxP95Latency || r.Blocking > maxBlocking)
            {
                break;
            }

            best = i;
        }

        return best < 0 ? 0 : _rows[best].Rho;
    }

    /// <summary>
    /// The 95th percentile response time of the mixture of coarse rows weighted by <paramref name="weights"/>
    /// (requests served near each row over a run). NaN when no weight.
    /// </summary>
    public double MixturePercentile(ReadOnlySpan<double> weights)
    {
        var rows = new List<int>();
        var w = new List<double>();
        var total = 0.0;
        var (lo, hi) = (double.MaxValue, 0.0);
        for (var j = 0; j < weights.Length; j++)
        {
            if (weights[j] > 0)
            {
                rows.Add(j);
                w.Add(weights[j]);
                total += weights[j];
            }
        }

        if (total <= 0)
        {
            return double.NaN;
        }

        foreach (var j in rows)
        {
            var p = _rows[_coarseFine[j]].P95;
            lo = Math.Min(lo, p);
            hi = Math.Max(hi, p);
        }

        return SolvePercentile([.. rows], [.. w.Select(x => x / total)], lo, hi);
    }

    private CurveRow RowAt(double rho)
    {
        var p = _queue.At(rho);
        return new CurveRow
        {
            Rho = rho,
            Departures = p.Departures,
            Blocking = p.Blocking,
            Latency = p.Latency,
            Queue = p.Queue,
            Utilization = p.Utilization,
        };
    }

    /// <summary>ρ with Content(ρ) = x, by the Illinois method on [lo, RhoCap] (Content is increasing).</summary>
    private double SolveRho(double x, double lo)
    {
        var hi = Math.Min(RhoCap, Math.Max(lo * 2, lo + 0.05));
        var fhi = Content(hi) - x;
        while (fhi < 0 && hi < RhoCap)
        {
            (lo, hi) = (hi, Math.Min(RhoCap, hi * 2));
            fhi = Content(hi) - x;
        }

        if (fhi <= 0)
        {
            return hi;
        }

        var flo = Content(lo) - x;
        var side = 0;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var mid = ((lo * fhi) - (hi * flo)) / (fhi - flo);
            if (!(mid > lo && mid < hi))
            {
                mid = (lo + hi) / 2;
            }

            var f = Content(mid) - x;
            if (Math.Abs(f) <= 1e-12 * Math.Max(1, x) || hi - lo <= 1e-14 * hi)
            {
                return mid;
            }

            if (f < 0)
            {
                (lo, flo) = (mid, f);
                if (side == -1)
                {
                    fhi /= 2;
                }

                side = -1;
            }
            else
            {
                (hi, fhi) = (mid, f);
                if (side == 1)
                {
                    flo /= 2;
                }

                side = 1;
            }
        }

        return (lo + hi) / 2;
    }

    /// <summary>
    /// The t at which the weighted mixture of rows' response-time tails falls to 5 %: bracketed (from
    /// <paramref name="lo"/>, or within [lo, hi] when both are given), then the Illinois method.
    /// </summary>
    private double SolvePercentile(int[] rows, double[] weights, double lo, double hi)
    {
        double Survival(double t)
        {
            var sum = 0.0;
            for (var i = 0; i < rows.Length; i++)
            {
                sum += weights[i] * _queue.ResponseSurvival(_coarseTail[rows[i]], t);
            }

            return sum;
        }

        if (!double.IsNaN(hi))
        {
            // The mixture's percentile lies between its parts'; widen a little for rounding.
            (lo, hi) = (lo * 0.999, (hi * 1.001) + 1e-12);
        }

        return ReplicaQueue.SolvePercentile(Survival, lo, hi, _queue.ServiceSeconds);
    }
}
