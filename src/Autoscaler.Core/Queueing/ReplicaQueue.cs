using System.Runtime.CompilerServices;
using Autoscaler.Core.ServiceModel;

namespace Autoscaler.Core.Queueing;

/// <summary>The stationary replica at one utilization: what the simulator tabulates and the <c>slo</c> rule sizes with.</summary>
/// <param name="Rho">Offered utilization ρ = λ/(Wμ).</param>
/// <param name="Departures">Requests completed per second.</param>
/// <param name="Blocking">Probability that an arrival is rejected.</param>
/// <param name="Latency">Mean response time (wait + service) of an accepted request.</param>
/// <param name="Queue">Mean number waiting for a worker (scaled by the waiting factor h).</param>
/// <param name="Utilization">Busy workers / workers.</param>
internal readonly record struct ReplicaPoint(double Rho, double Departures, double Blocking, double Latency, double Queue, double Utilization);

/// <summary>The tail of an accepted request's response time at one utilization (see <see cref="ReplicaQueue.ResponseSurvival"/>).</summary>
internal readonly struct ResponseTail(WaitTail wait, double waitProbability)
{
    public WaitTail Wait { get; } = wait;

    public double WaitProbability { get; } = waitProbability;
}

/// <summary>
/// One replica of the demo service as a queue: W workers, mean service time S with a distribution, at most Q waiting
/// (DESIGN.md). The M/M/c/K closed forms, with Allen–Cunneen's factor h = (1 + c_s²)/2 on the waiting part for
/// non-exponential service and Q/h waiting places so that a full queue still holds Q (docs/simulation.md). The one
/// place the simulator's service model and oracle and the <c>slo</c> rule take their queueing from. Immutable.
/// </summary>
internal sealed class ReplicaQueue
{
    private const int ServiceNodes = 32;
    private readonly double[] _serviceNodes;

    public ReplicaQueue(int workers, double serviceSeconds, ServiceTimeDistribution distribution, int queueLimit)
    {
        Workers = workers;
        ServiceSeconds = serviceSeconds;
        Distribution = distribution;
        QueueLimit = queueLimit;
        Capacity = workers / serviceSeconds;
        var cs2 = distribution switch
        {
            ServiceTimeDistribution.Constant => 0,
            ServiceTimeDistribution.LogNormal => Math.Exp(ServiceTimeSampler.LogNormalSigma * ServiceTimeSampler.LogNormalSigma) - 1,
            _ => 1.0,
        };
        WaitScale = (1 + cs2) / 2;
        QueueSlots = queueLimit == 0 ? 0 : Math.Max(1, (int)Math.Round(queueLimit / WaitScale));
        _serviceNodes = ServiceNodesFor(distribution, serviceSeconds);
    }

    public int Workers { get; }

    public double ServiceSeconds { get; }

    public ServiceTimeDistribution Distribution { get; }

    public int QueueLimit { get; }

    /// <summary>Requests per second one saturated replica completes (W/S).</summary>
    public double Capacity { get; }

    /// <summary>h: the waiting part's scale for non-exponential service times (1 for exponential).</summary>
    public double WaitScale { get; }

    /// <summary>Q': waiting places of the M/M/c/K queue behind the formulas.</summary>
    public int QueueSlots { get; }

    /// <summary>Mean content x = busy + h·L_q of a stationary replica at utilization <paramref name="rho"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Content(double rho)
    {
        var s = QueueFormulas.Stationary(Workers, rho, QueueSlots);
        return s.BusyServers + (WaitScale * s.QueueLength);
    }

    /// <summary>The stationary replica at utilization <paramref name="rho"/>.</summary>
    public ReplicaPoint At(double rho)
    {
        var s = QueueFormulas.Stationary(Workers, rho, QueueSlots);
        var departures = s.BusyServers / ServiceSeconds;
        var queue = WaitScale * s.QueueLength;
        return new ReplicaPoint(rho, departures, s.Blocking, ServiceSeconds + (departures > 0 ? queue / departures : 0), queue, s.BusyServers / Workers);
    }

    /// <summary>The response-time tail at utilization <paramref name="rho"/>.</summary>
    public ResponseTail Tail(double rho) =>
        new(new WaitTail(rho, QueueSlots, Capacity), QueueFormulas.Stationary(Workers, rho, QueueSlots).WaitProbability);

    /// <summary>
    /// P(T &gt; t) for an accepted request: with probability 1 − P_w it only works (service-time tail), otherwise it
    /// waits first; the wait's tail is averaged over service-time quantiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ResponseSurvival(in ResponseTail tail, double t)
    {
        var serviceTail = ServiceSurvival(t);
        var waitProbability = tail.WaitProbability;
        if (waitProbability <= 0)
        {
            return serviceTail;
        }

        var sum = 0.0;
        foreach (var s in _serviceNodes)
        {
            var u = t - s;
            sum += u <= 0 ? 1 : tail.Wait.Survival(u / WaitScale);
        }

        return ((1 - waitProbability) * serviceTail) + (waitProbability * sum / _serviceNodes.Length);
    }

    /// <summary>The 95th percentile response time of a stationary replica at utilization <paramref name="rho"/>.</summary>
    public double P95(double rho)
    {
        var tail = Tail(rho);
        return SolvePercentile(t => ResponseSurvival(tail, t), 0, double.NaN, ServiceSeconds);
    }

    /// <summary>The mean or 95th percentile latency at utilization <paramref name="rho"/>.</summary>
    public double Latency(double rho, LatencyStatistic statistic) => statistic == LatencyStatistic.P95 ? P95(rho) : At(rho).Latency;

    /// <summary>
    /// The highest utilization at which a stationary replica keeps <paramref name="slo"/>: its latency statistic within
    /// the bound and its rejection rate within the largest error rate (every one of them grows with utilization, so a
    /// bisection finds it to 1e-6). 0 when even an idle replica breaks the SLO. At most 1: beyond, the queue only grows.
    /// </summary>
    public double MaxUtilizationWithin(ServiceLevel slo)
    {
        bool Within(double rho)
        {
            return At(rho).Blocking <= slo.MaxErrorRate && Latency(rho, slo.Statistic) <= slo.LatencySeconds;
        }

        if (!Within(1e-9))
        {
            return 0;
        }

        if (Within(1))
        {
            return 1;
        }

        double lo = 1e-9, hi = 1;
        while (hi - lo > 1e-6)
        {
            var mid = 0.5 * (lo + hi);
            if (Within(mid))
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The latency statistic of an idle replica (the service time alone).</summary>
    public double IdleLatency(LatencyStatistic statistic) => Latency(0, statistic);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ServiceSurvival(double t)
    {
        var s = ServiceSeconds;
        return Distribution switch
        {
            ServiceTimeDistribution.Constant => t < s ? 1 : 0,
            ServiceTimeDistribution.LogNormal => t <= 0 ? 1 : 0.5 * QueueFormulas.Erfc((Math.Log(t) - LogNormalMu(s)) / (ServiceTimeSampler.LogNormalSigma * Math.Sqrt(2))),
            _ => t <= 0 ? 1 : Math.Exp(-t / s),
        };
    }

    /// <summary>
    /// The t at which <paramref name="survival"/> (decreasing) falls to 5 %: bracketed upwards from
    /// max(<paramref name="lo"/>, <paramref name="start"/>) (or within [lo, hi] when <paramref name="hi"/> is a
    /// number), then the Illinois method.
    /// </summary>
    public static double SolvePercentile(Func<double, double> survival, double lo, double hi, double start)
    {
        const double percentile = 0.95;
        double Excess(double t) => survival(t) - (1 - percentile);

        if (double.IsNaN(hi))
        {
            hi = Math.Max(lo, start);
            while (Excess(hi) > 0 && hi < 1e9)
            {
                lo = hi;
                hi *= 1.5;
            }
        }

        double flo = Excess(lo), fhi = Excess(hi);
        if (flo <= 0)
        {
            return lo;
        }

        var side = 0;
        for (var i = 0; i < 100 && hi - lo > 1e-7 * hi; i++)
        {
            var mid = ((lo * fhi) - (hi * flo)) / (fhi - flo);
            if (!(mid > lo && mid < hi))
            {
                mid = 0.5 * (lo + hi);
            }

            var f = Excess(mid);
            if (f > 0)
            {
                (lo, flo) = (mid, f);
                if (side == 1)
                {
                    fhi /= 2;
                }

                side = 1;
            }
            else
            {
                (hi, fhi) = (mid, f);
                if (side == -1)
                {
                    flo /= 2;
                }

                side = -1;
            }
        }

        return hi;
    }

    private static double LogNormalMu(double mean) =>
        Math.Log(mean) - (ServiceTimeSampler.LogNormalSigma * ServiceTimeSampler.LogNormalSigma / 2);

    private static double[] ServiceNodesFor(ServiceTimeDistribution distribution, double mean)
    {
        if (distribution == ServiceTimeDistribution.Constant)
        {
            return [mean];
        }

        var nodes = new double[ServiceNodes];
        for (var i = 0; i < nodes.Length; i++)
        {
            var p = (i + 0.5) / nodes.Length;
            nodes[i] = distribution == ServiceTimeDistribution.LogNormal
                ? Math.Exp(LogNormalMu(mean) + (ServiceTimeSampler.LogNormalSigma * QueueFormulas.NormalQuantile(p)))
                : -mean * Math.Log(1 - p);
        }

        return nodes;
    }
}
