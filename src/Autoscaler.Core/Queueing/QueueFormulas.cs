using System.Runtime.CompilerServices;

namespace Autoscaler.Core.Queueing;

/// <summary>The stationary state of an M/M/c/K queue at one offered load (see docs/simulation.md).</summary>
/// <param name="Blocking">Probability that an arrival finds the system full and is rejected (P_K).</param>
/// <param name="BusyServers">Mean number of busy servers (= c·ρ·(1 − P_K)).</param>
/// <param name="QueueLength">Mean number waiting for a server (L_q).</param>
/// <param name="WaitProbability">Probability that an accepted arrival has to wait.</param>
internal readonly record struct StationaryState(double Blocking, double BusyServers, double QueueLength, double WaitProbability);

/// <summary>
/// Closed forms for the M/M/c/K queue (c servers, at most K = c + Q' in the system) and the special functions they need.
/// Every sum over the queue is a geometric series, so one evaluation costs O(c), whatever the queue limit.
/// </summary>
internal static class QueueFormulas
{
    /// <summary>The stationary state at per-server utilization <paramref name="rho"/> = λ/(cμ), with <paramref name="queueSlots"/> waiting places.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static StationaryState Stationary(int servers, double rho, int queueSlots)
    {
        if (rho <= 0)
        {
            return default;
        }

        // Unnormalized probabilities: p_j = r^j/j! for j ≤ c, p_{c+k} = (r^c/c!)·ρ^k for k = 0..Q'.
        // Terms below c are summed with rescaling so that neither r^j nor j! overflows.
        var r = servers * rho;
        double a = 0, a1 = 0, term = 1;
        for (var j = 0; j < servers; j++)
        {
            a += term;
            a1 += j * term;
            term *= r / (j + 1);
            if (term > 1e250)
            {
                term *= 1e-250;
                a *= 1e-250;
                a1 *= 1e-250;
            }
        }

        var b = term; // r^c/c!, in the same scale as a
        if (b == 0 || a == 0)
        {
            // Far below saturation the queue terms vanish: no blocking, no waiting.
            return new StationaryState(0, a == 0 ? 0 : a1 / a, 0, 0);
        }

        // Normalize by the largest queue term: B (ρ ≤ 1) or B·ρ^Q' (ρ > 1).
        double g0, g1, tail;
        var logQueueFactor = Math.Log(b);
        if (rho <= 1)
        {
            (g0, g1) = Geometric(rho, queueSlots + 1);
            tail = Math.Pow(rho, queueSlots);
        }
        else
        {
            var (h0, h1) = Geometric(1 / rho, queueSlots + 1);
            g0 = h0;
            g1 = (queueSlots * h0) - h1; // Σ k ρ^k = ρ^Q' Σ (Q'−i) σ^i
            tail = 1;
            logQueueFactor += queueSlots * Math.Log(rho);
        }

        var ratio = Math.Exp(Math.Log(a) - logQueueFactor); // A / (queue factor)
        if (double.IsInfinity(ratio) || ratio > 1e300)
        {
            return new StationaryState(0, a1 / a, 0, 0);
        }

        var z = ratio + g0;
        var blocking = tail / z;
        var busy = ((ratio * (a1 / a)) + (servers * g0)) / z;
        var queue = g1 / z;
        var waiting = (g0 - tail) / z; // P(c ≤ j < K)
        var accepted = 1 - blocking;
        return new StationaryState(blocking, busy, queue, accepted > 0 ? Math.Min(1, waiting / accepted) : 1);
    }

    /// <summary>(Σ_{k&lt;n} q^k, Σ_{k&lt;n} k·q^k) for 0 ≤ q ≤ 1, accurate near q = 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double S0, double S1) Geometric(double q, int n)
    {
        if (n <= 0)
        {
            return (0, 0);
        }

        if (n <= 64 || 1 - q < 1e-4)
        {
            double s0 = 0, s1 = 0, p = 1;
            for (var k = 0; k < n; k++)
            {
                s0 += p;
                s1 += k * p;
                p *= q;
            }

            return (s0, s1);
        }

        var qn = Math.Pow(q, n);
        var d = 1 - q;
        var sum0 = (1 - qn) / d;
        var sum1 = ((q * (1 - qn)) - (n * qn * d)) / (d * d);
        return (sum0, sum1);
    }

    /// <summary>ln Σ_{k&lt;n} q^k for any q > 0.</summary>
    public static double LogGeometricSum(double q, int n)
    {
        if (n <= 0)
        {
            return double.NegativeInfinity;
        }

        if (q <= 1)
        {
            return Math.Log(Geometric(q, n).S0);
        }

        // Σ q^k = q^(n−1) Σ (1/q)^i
        return ((n - 1) * Math.Log(q)) + Math.Log(Geometric(1 / q, n).S0);
    }

    /// <summary>ln(n!) (exact sums below 64, Stirling's series above).</summary>
    public static double LogFactorial(int n)
    {
        if (n < LogFactorials.Length)
        {
            return LogFactorials[n];
        }

        double x = n + 1;
        return ((x - 0.5) * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI)) + (1 / (12 * x)) - (1 / (360 * x * x * x));
    }

    private static readonly double[] LogFactorials = BuildLogFactorials(64);

    private static double[] BuildLogFactorials(int count)
    {
        var values = new double[count];
        for (var i = 1; i < count; i++)
        {
            values[i] = values[i - 1] + Math.Log(i);
        }

        return values;
    }

    /// <summary>The complementary error function (the Chebyshev fit of Numerical Recipes' erfcc; relative error below 1.2e-7).</summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        ReadOnlySpan<double> c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var r = t * Math.Exp(-(z * z) + Polynomial(c, t));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>The standard normal quantile (Acklam's rational approximation, refined by one Halley step).</summary>
    public static double NormalQuantile(double p)
    {
        if (p <= 0)
        {
            return double.NegativeInfinity;
        }

        if (p >= 1)
        {
            return double.PositiveInfinity;
        }

        // Coefficients from the highest power down; Polynomial takes them from the constant up.
        ReadOnlySpan<double> a = [2.506628277459239e+00, -3.066479806614716e+01, 1.383577518672690e+02, -2.759285104469687e+02, 2.209460984245205e+02, -3.969683028665376e+01];
        ReadOnlySpan<double> b = [1, -1.328068155288572e+01, 6.680131188771972e+01, -1.556989798598866e+02, 1.615858368580409e+02, -5.447609879822406e+01];
        ReadOnlySpan<double> c = [2.938163982698783e+00, 4.374664141464968e+00, -2.549732539343734e+00, -2.400758277161838e+00, -3.223964580411365e-01, -7.784894002430293e-03];
        ReadOnlySpan<double> d = [1, 3.754408661907416e+00, 2.445134137142996e+00, 3.224671290700398e-01, 7.784695709041462e-03];
        const double low = 0.02425;
        double x;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = Polynomial(c, q) / Polynomial(d, q);
        }
        else if (p <= 1 - low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = q * Polynomial(a, r) / Polynomial(b, r);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -Polynomial(c, q) / Polynomial(d, q);
        }

        var e = (0.5 * Erfc(-x / Math.Sqrt(2))) - p;
        var u = e * Math.Sqrt(2 * Math.PI) * Math.Exp(x * x / 2);
        return x - (u / (1 + (x * u / 2)));
    }

    /// <summary>Σ c[i]·x^i by Horner's rule.</summary>
    private static double Polynomial(ReadOnlySpan<double> coefficients, double x)
    {
        var sum = 0.0;
        for (var i = coefficients.Length - 1; i >= 0; i--)
        {
            sum = (sum * x) + coefficients[i];
        }

        return sum;
    }
}

/// <summary>
/// P(W &gt; w | the arrival waits) for an accepted arrival of an M/M/c/K queue: it finds k ∈ [0, Q'−1] requests
/// ahead of it in the queue with probability ∝ ρ^k and waits for k + 1 completions at rate cμ, so
/// P(W &gt; w | k) = P(Poisson(cμw) ≤ k). Only the k near cμw need summing; the rest are 0 or 1.
/// </summary>
internal readonly struct WaitTail
{
    private readonly double _rho;
    private readonly double _logRho;
    private readonly double _logTotal;
    private readonly int _slots;
    private readonly double _drainRate;

    /// <param name="rho">ρ = λ/(cμ) of the queue.</param>
    /// <param name="slots">Q', the waiting places.</param>
    /// <param name="drainRate">cμ: completions per second while every server is busy.</param>
    public WaitTail(double rho, int slots, double drainRate)
    {
        _rho = rho;
        _logRho = Math.Log(rho);
        _slots = slots;
        _drainRate = drainRate;
        _logTotal = rho > 0 && slots > 0 ? QueueFormulas.LogGeometricSum(rho, slots) : 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Survival(double wait)
    {
        if (wait <= 0 || _slots <= 0)
        {
            return 1;
        }

        var lambda = _drainRate * wait; // mean completions in the wait
        if (_rho <= 0)
        {
            return Math.Exp(-lambda); // nobody ahead: one completion to wait for
        }

        var n = _slots;
        var spread = (9 * Math.Sqrt(lambda)) + 10;
        var lo = (int)Math.Max(0, Math.Floor(lambda - spread));
        if (lo >= n)
        {
            return 0; // even the longest queue has drained by then
        }

        var hi = (int)Math.Min(n, Math.Ceiling(lambda + spread));

        // For k ≥ hi, P(Poisson(λ) ≤ k) ≈ 1: those weights count in full (a geometric sum).
        var result = hi < n ? Math.Exp((hi * _logRho) + QueueFormulas.LogGeometricSum(_rho, n - hi) - _logTotal) : 0;

        // lo ≤ k < hi: Σ ρ^k·P(N ≤ k), with ρ^(k−lo) carried in a rescaled accumulator so it neither over- nor underflows.
        var pmf = Math.Exp(-lambda + (lo * Math.Log(lambda)) - QueueFormulas.LogFactorial(lo));
        var cdf = pmf; // P(N ≤ lo); the part below lo is under e^-40
        double weight = 1, sum = 0, logScale = 0;
        for (var k = lo; k < hi; k++)
        {
            sum += weight * cdf;
            weight *= _rho;
            pmf *= lambda / (k + 1);
            cdf += pmf;
            if (weight > 1e200)
            {
                weight *= 1e-200;
                sum *= 1e-200;
                logScale += 200 * Math.Log(10);
            }
        }

        if (sum > 0)
        {
            result += Math.Exp(Math.Log(sum) + logScale + (lo * _logRho) - _logTotal);
        }

        return Math.Clamp(result, 0, 1);
    }
}
