using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Autoscaler.Core.Forecasting;

/// <summary>Periods found in a series: the shortest strong one and, when one repeats clearly better, a longer multiple of it.</summary>
/// <param name="Primary">The shortest period with a strong autocorrelation peak, or null when there is none.</param>
/// <param name="Secondary">A multiple of <paramref name="Primary"/> whose autocorrelation is clearly higher (a week over a day), or null.</param>
/// <param name="PrimaryStrength">Autocorrelation of the detrended series at <paramref name="Primary"/>, 0..1 (0 when none).</param>
/// <param name="SecondaryStrength">Autocorrelation of the detrended series at <paramref name="Secondary"/>, 0..1 (0 when none).</param>
public readonly record struct DetectedPeriods(TimeSpan? Primary, TimeSpan? Secondary, double PrimaryStrength, double SecondaryStrength)
{
    /// <summary>No period found.</summary>
    public static DetectedPeriods None => default;

    /// <summary>Whether a primary period was found.</summary>
    public bool Found => Primary is not null;
}

/// <summary>Finds seasonal periods in an equally spaced series from the peaks of its autocorrelation function (ACF).</summary>
/// <remarks>
/// The linear trend is removed first. The ACF (Pearson correlation of the series with itself a lag later) is
/// computed at every lag on block means of at most 2,048 points, the peaks are located to a fraction of a block
/// and their strength is measured at full resolution; 100,000 samples take about a millisecond.
/// </remarks>
public static class PeriodDetector
{
    /// <summary>How many times the data must cover a period for that period to be looked for.</summary>
    public const int MinCycles = 2;

    // The ACF at all lags costs O(points × lags), so it is computed on block means of at most this many points
    // (~2 M multiply-adds); only the peaks it shows are measured at full resolution.
    private const int CoarsePoints = 2048;

    // A block mean spans at most an eighth of the shortest period it is used to find: averaging over T/8 keeps
    // 97 % of a sine's amplitude (sinc(π/8)), and a peak is then drawn by at least eight points.
    private const int PointsPerPeriod = 8;

    // Two-sided 99 % quantile of the normal: under white noise the sample ACF at a lag with m pairs is about
    // N(0, 1/m), so a peak below 2.576/√m is indistinguishable from noise at the 1 % level.
    private const double NoiseZ = 2.576;

    // The ACF at a period is about the share of the variance that repeats with that period. Below 0.3 less than
    // a third of the variation is seasonal, and a seasonal profile estimated from a few cycles would mostly be
    // noise. The same amount is the least rise from the trough before a peak: a centred periodic signal's
    // autocovariance averages zero over one period, so a true cycle's ACF falls to 0 or below before its peak and
    // rises at least the peak's height, while the bumps on the slow decline of a step or a drift rise far less.
    private const double MinStrength = 0.3;

    // A multiple of the primary becomes the secondary only if its ACF is higher beyond doubt and by enough to
    // matter. Beyond doubt: Fisher's z of the two (atanh r, standard error 1/√(m-3)) differs by more than the 99 %
    // band of a difference. Enough to matter: it closes at least half the gap between the primary's ACF and the
    // ACF one sample apart, which is about the most any lag can reach (noise lowers the ACF at every lag alike,
    // so the gap, unlike 1 - r, measures what the primary misses of the repeatable signal). Drifts in level or
    // amplitude lower the ACF at longer lags, so sampling noise is what this guards against. Weekdays with
    // weekends at half and a little noise: ACF about 0.90 at a day, 0.98 at a week and 0.99 one sample apart.
    private const double GapClosed = 0.5;

    /// <summary>Finds the periods between <paramref name="minPeriod"/> and <paramref name="maxPeriod"/> that the data covers at least <see cref="MinCycles"/> times.</summary>
    /// <param name="values">
    /// Equally spaced samples, oldest first (e.g. request rate per 15 s slot). A missing value (NaN or an infinity)
    /// is carried over: it takes the previous value, or the first present one when it comes before any.
    /// </param>
    /// <param name="spacing">Time between samples; periods are returned as whole multiples of it.</param>
    /// <param name="minPeriod">Shortest period to look for (at least two samples).</param>
    /// <param name="maxPeriod">Longest period to look for; periods longer than the data's length / <see cref="MinCycles"/> are not.</param>
    public static DetectedPeriods Detect(ReadOnlySpan<double> values, TimeSpan spacing, TimeSpan minPeriod, TimeSpan maxPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(spacing, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minPeriod, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPeriod, minPeriod);

        var n = values.Length;
        // A period of one sample is a constant; two is the shortest that can repeat.
        var minLagLong = Math.Max(2, CeilDiv(minPeriod.Ticks, spacing.Ticks));
        var maxLagLong = Math.Min(maxPeriod.Ticks / spacing.Ticks, n / MinCycles);
        if (maxLagLong < minLagLong)
        {
            return DetectedPeriods.None;
        }

        var (minLag, maxLag) = ((int)minLagLong, (int)maxLagLong);
        using var series = Series.Detrended(values);
        if (series is null)
        {
            return DetectedPeriods.None;
        }

        var candidates = new List<Candidate>();
        // Bands from coarse to fine: the coarsest spans all the data; each finer one averages shorter blocks to
        // resolve shorter periods and, to cost no more, looks only at the latest CoarsePoints blocks.
        var step = Math.Max(1, CeilDiv(n, CoarsePoints));
        while (true)
        {
            var shortest = step == 1 ? minLag : Math.Max(minLag, PointsPerPeriod * step);
            FindPeaks(series, step, shortest, maxLag, candidates);
            if (shortest == minLag)
            {
                break;
            }

            // The next band's window must still cover this band's shortest period MinCycles times.
            step = Math.Max(Math.Max(1, minLag / PointsPerPeriod), CeilDiv(shortest * MinCycles, CoarsePoints));
        }

        candidates.Sort(static (a, b) => a.Lag.CompareTo(b.Lag));

        for (var i = 0; i < candidates.Count; i++)
        {
            if (Confirm(series, candidates[i], minLag, maxLag) is { } primary)
            {
                var ceiling = series.Correlation(0, 1);
                return FindSecondary(series, candidates, i, primary, ceiling, minLag, maxLag) is { } secondary
                    ? new DetectedPeriods(Times(spacing, primary.Lag), Times(spacing, secondary.Lag), primary.Strength, secondary.Strength)
                    : new DetectedPeriods(Times(spacing, primary.Lag), null, primary.Strength, 0);
            }
        }

        return DetectedPeriods.None;
    }

    /// <summary>Adds the peaks of the ACF of block means of <paramref name="step"/> samples (the band's candidates).</summary>
    private static void FindPeaks(Series series, int step, int shortest, int maxLag, List<Candidate> into)
    {
        var blocks = Math.Min(series.Length / step, CoarsePoints);
        var start = series.Length - (blocks * step);
        var longest = Math.Min(maxLag, (series.Length - start) / MinCycles);
        // Coarse lag L stands for lags (L-1)·step..(L+1)·step, so a peak just outside the range still counts
        // when its centre can land inside it; one lag more is needed to see whether the last one is a peak.
        // The ACF is computed up to lags that leave two pairs.
        var maxAcfLag = blocks - 2;
        var first = Math.Max(2, CeilDiv(shortest, step) - 1);
        var last = Math.Min((longest / step) + 1, maxAcfLag - 1);
        if (last < first)
        {
            return;
        }

        var means = ArrayPool<double>.Shared.Rent(blocks);
        var acf = ArrayPool<double>.Shared.Rent(maxAcfLag + 1);
        try
        {
            for (var b = 0; b < blocks; b++)
            {
                means[b] = series.Mean(start + (b * step), step);
            }

            using var coarse = new Series(means.AsSpan(0, blocks));
            acf.AsSpan(0, maxAcfLag + 1).Fill(double.NaN);
            // Lags past the last candidate are computed only where a peak's right flank needs them.
            double At(int lag) => double.IsNaN(acf[lag]) ? acf[lag] = coarse.Correlation(0, lag) : acf[lag];

            for (var lag = first; lag <= last; lag++)
            {
                var r = At(lag);
                if (!(r > At(lag - 1) && r >= At(lag + 1) && r >= Math.Max(MinStrength, NoiseZ / Math.Sqrt(blocks - lag))))
                {
                    continue;
                }

                // Prominence as scipy.signal.peak_prominences has it on the left: the lowest ACF between the
                // peak and the nearest higher point before it (lag 0 at the latest, where the ACF is 1).
                var j = lag - 1;
                var baseline = r;
                for (; j > 0 && At(j) <= r; j--)
                {
                    baseline = Math.Min(baseline, At(j));
                }

                if (r - baseline < MinStrength)
                {
                    continue;
                }

                // The peak spans the lags where it stands above half its prominence.
                var level = (r + baseline) / 2;
                var left = lag - 1;
                while (At(left) >= level)
                {
                    left--;
                }

                var right = lag + 1;
                while (right < maxAcfLag && At(right) >= level)
                {
                    right++;
                }

                var top = lag;
                for (var k = left + 1; k < right; k++)
                {
                    top = At(k) > At(top) ? k : top;
                }

                // The top of a peak is flat (a sine's ACF is a cosine), so which lag there is highest is decided
                // by sampling noise: several samples off for a noisy daily sine. A parabola through the top half
                // of the peak averages that noise out; its vertex is the period to a fraction of a block. (The
                // flanks are no better: the ACF estimated from partial cycles is not quite symmetric there.)
                var centre = (double)top;
                var halfWidth = Math.Max(1, (right - left) / 4);
                for (var fit = 0; fit < 3; fit++)
                {
                    var c = (int)Math.Round(centre);
                    var w = Math.Min(halfWidth, Math.Min(c - 1, maxAcfLag - c));
                    if (w < 1 || Vertex(c, w) is not { } vertex)
                    {
                        break;
                    }

                    // A vertex outside the window means the window was off the top: move there and fit again.
                    centre = c + Math.Clamp(vertex, -w, w);
                    if (Math.Abs(vertex) <= 0.5)
                    {
                        break;
                    }
                }

                into.Add(new Candidate((int)Math.Round(centre * step), step, start, At(top)));
                // The other local maxima on this peak's top are sampling noise on the same peak.
                lag = right;
            }

            // Where the slope of the least-squares cubic through the ACF at lags c-w..c+w is zero, relative to c, if
            // the cubic has a maximum near there. A parabola would do for a symmetric top, but the ACF estimated
            // from whole-series pairs is slightly lopsided (partial cycles at either end): the cubic term absorbs
            // that (without it a clean daily sine came out four minutes long).
            double? Vertex(int c, int w)
            {
                double count = 0, sum = 0, j2 = 0, j4 = 0, j6 = 0, m1 = 0, m2 = 0, m3 = 0;
                for (var j = -w; j <= w; j++)
                {
                    var (y, jj) = (At(c + j), (double)j * j);
                    (count, sum, j2, j4, j6) = (count + 1, sum + y, j2 + jj, j4 + (jj * jj), j6 + (jj * jj * jj));
                    (m1, m2, m3) = (m1 + (j * y), m2 + (jj * y), m3 + (j * jj * y));
                }

                // Odd and even powers are orthogonal on a symmetric window: slope and cubic from j and j³,
                // curvature from j² less its mean.
                var det = (j2 * j6) - (j4 * j4);
                var (slope, cubic) = w < 2 ? (m1 / j2, 0.0) : (((m1 * j6) - (m3 * j4)) / det, ((j2 * m3) - (j4 * m1)) / det);
                var curvature = (m2 - (j2 / count * sum)) / (j4 - (j2 * j2 / count));
                // Root of slope + 2·curvature·v + 3·cubic·v² nearest 0, in the form that is stable when cubic → 0.
                var discriminant = (curvature * curvature) - (3 * slope * cubic);
                return curvature < 0 && discriminant >= 0 ? -slope / (curvature - Math.Sqrt(discriminant)) : null;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(acf);
            ArrayPool<double>.Shared.Return(means);
        }
    }

    /// <summary>
    /// The candidate at full resolution: its lag, moved into the range when it is out by no more than the
    /// band's resolution (one block), then uphill while a neighbouring lag has a higher ACF beyond sampling noise;
    /// null when it is outside the range or weak.
    /// </summary>
    /// <remarks>
    /// The climb snaps to a sharp peak that a block mean blurs (an on/off cycle's ACF is a triangle), and off a
    /// false peak that a cycle shorter than two blocks aliases into the block means. The noise bound,
    /// 2.576·(1 - r²)/√m (the 99 % band of a correlation near r), keeps it from wandering on a flat noisy top.
    /// </remarks>
    private static Peak? Confirm(Series series, Candidate candidate, int minLag, int maxLag)
    {
        var window = series.Length - candidate.Start;
        var longest = Math.Min(maxLag, window / MinCycles);
        var lag = Math.Clamp(candidate.Lag, minLag, longest);
        if (Math.Abs(lag - candidate.Lag) > candidate.Step)
        {
            return null;
        }

        var strength = series.Correlation(candidate.Start, lag);
        while (true)
        {
            var noise = NoiseZ * (1 - (strength * strength)) / Math.Sqrt(window - lag);
            var before = lag > minLag ? series.Correlation(candidate.Start, lag - 1) : double.NegativeInfinity;
            var after = lag < longest ? series.Correlation(candidate.Start, lag + 1) : double.NegativeInfinity;
            if (Math.Max(before, after) <= strength + noise)
            {
                break;
            }

            (lag, strength) = before > after ? (lag - 1, before) : (lag + 1, after);
        }

        return strength >= Math.Max(MinStrength, NoiseZ / Math.Sqrt(window - lag)) ? new Peak(lag, strength, window - lag) : null;
    }

    /// <summary>
    /// The shortest multiple of the primary that repeats clearly better than it. Only one candidate is confirmed:
    /// the shortest whose coarse ACF is at least halfway from the primary's to the best multiple's, so that two
    /// weeks do not win over one week by a hair of noise.
    /// </summary>
    private static Peak? FindSecondary(Series series, List<Candidate> candidates, int primaryAt, Peak primary, double ceiling, int minLag, int maxLag)
    {
        var floor = candidates[primaryAt].Strength;
        var best = double.NegativeInfinity;
        for (var i = primaryAt + 1; i < candidates.Count; i++)
        {
            if (IsMultiple(candidates[i].Lag, primary.Lag) && candidates[i].Strength > floor)
            {
                best = Math.Max(best, candidates[i].Strength);
            }
        }

        for (var i = primaryAt + 1; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (IsMultiple(c.Lag, primary.Lag) && c.Strength > floor && c.Strength >= (floor + best) / 2)
            {
                return Confirm(series, c, minLag, maxLag) is { } peak && IsMultiple(peak.Lag, primary.Lag)
                    && ClearlyHigher(peak, primary, ceiling) ? peak : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="lag"/> is m ≥ 2 times <paramref name="period"/> give or take max(2, m/2) samples:
    /// the primary lag is rounded to a sample, so its m-th multiple is known to m/2, and the longer peak has its
    /// own sample or two of jitter.
    /// </summary>
    private static bool IsMultiple(int lag, int period)
    {
        var m = (int)Math.Round((double)lag / period);
        return m >= 2 && Math.Abs(lag - (m * period)) <= Math.Max(2, (m + 1) / 2);
    }

    /// <summary>See <see cref="GapClosed"/>.</summary>
    private static bool ClearlyHigher(Peak longer, Peak primary, double ceiling) =>
        ceiling - longer.Strength <= (1 - GapClosed) * (ceiling - primary.Strength)
        && Math.Atanh(longer.Strength) - Math.Atanh(primary.Strength)
            >= NoiseZ * Math.Sqrt((1.0 / Math.Max(1, longer.Pairs - 3)) + (1.0 / Math.Max(1, primary.Pairs - 3)));

    // TimeSpan * double rounds through a double; whole ticks times a lag are exact.
    private static TimeSpan Times(TimeSpan spacing, int lag) => TimeSpan.FromTicks(spacing.Ticks * lag);

    private static long CeilDiv(long a, long b) => (a / b) + (a % b == 0 ? 0 : 1);

    private static int CeilDiv(int a, int b) => (a / b) + (a % b == 0 ? 0 : 1);

    /// <summary>A coarse ACF peak: its lag in samples, the band's block length and window start, its coarse ACF.</summary>
    private readonly record struct Candidate(int Lag, int Step, int Start, double Strength);

    /// <summary>A confirmed period: its lag, its ACF at full resolution and the number of pairs that ACF is from.</summary>
    private readonly record struct Peak(int Lag, double Strength, int Pairs);

    /// <summary>A series with prefix sums, so the correlation at a lag costs one dot product.</summary>
    private sealed class Series : IDisposable
    {
        private readonly double[] _values;
        private readonly double[] _sums;
        private readonly double[] _squares;

        public Series(ReadOnlySpan<double> values)
            : this(values.Length)
        {
            values.CopyTo(_values);
            Accumulate();
        }

        private Series(int length)
        {
            Length = length;
            _values = ArrayPool<double>.Shared.Rent(length);
            _sums = ArrayPool<double>.Shared.Rent(length + 1);
            _squares = ArrayPool<double>.Shared.Rent(length + 1);
        }

        public int Length { get; }

        /// <summary>
        /// The values with missing ones carried forward and the least-squares line subtracted (so a trend makes no
        /// period); null when nothing is left: all missing, a constant or a straight line.
        /// </summary>
        public static Series? Detrended(ReadOnlySpan<double> values)
        {
            var firstPresent = 0;
            while (firstPresent < values.Length && !double.IsFinite(values[firstPresent]))
            {
                firstPresent++;
            }

            if (firstPresent == values.Length)
            {
                return null;
            }

            var series = new Series(values.Length);
            var x = series._values.AsSpan(0, values.Length);
            var previous = values[firstPresent];
            double mean = 0, scale = 0;
            for (var i = 0; i < x.Length; i++)
            {
                var v = values[i];
                previous = x[i] = double.IsFinite(v) ? v : previous;
                mean += previous;
                scale += previous * previous;
            }

            mean /= x.Length;
            var centre = (x.Length - 1) / 2.0;
            var slope = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                slope += (i - centre) * (x[i] - mean);
            }

            slope /= x.Length * ((double)x.Length * x.Length - 1) / 12;
            var residual = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                x[i] -= mean + (slope * (i - centre));
                residual += x[i] * x[i];
            }

            // What is left of a constant or a line is rounding error, ~1e-16 of the values.
            if (!(residual > 1e-24 * scale))
            {
                series.Dispose();
                return null;
            }

            series.Accumulate();
            return series;
        }

        public double Mean(int start, int count) => (_sums[start + count] - _sums[start]) / count;

        /// <summary>Pearson correlation of the window from <paramref name="start"/> with itself <paramref name="lag"/> later.</summary>
        public double Correlation(int start, int lag)
        {
            var pairs = Length - start - lag;
            var (a, b) = (start, start + lag);
            var sumA = _sums[a + pairs] - _sums[a];
            var sumB = _sums[b + pairs] - _sums[b];
            var varA = _squares[a + pairs] - _squares[a] - (sumA * sumA / pairs);
            var varB = _squares[b + pairs] - _squares[b] - (sumB * sumB / pairs);
            if (!(varA > 0 && varB > 0))
            {
                return 0;
            }

            var covariance = Dot(_values.AsSpan(a, pairs), _values.AsSpan(b, pairs)) - (sumA * sumB / pairs);
            return Math.Clamp(covariance / Math.Sqrt(varA * varB), -1, 1);
        }

        public void Dispose()
        {
            ArrayPool<double>.Shared.Return(_values);
            ArrayPool<double>.Shared.Return(_sums);
            ArrayPool<double>.Shared.Return(_squares);
        }

        private void Accumulate()
        {
            double sum = 0, squares = 0;
            _sums[0] = _squares[0] = 0;
            for (var i = 0; i < Length; i++)
            {
                sum += _values[i];
                squares += _values[i] * _values[i];
                _sums[i + 1] = sum;
                _squares[i + 1] = squares;
            }
        }

        private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
        {
            var va = MemoryMarshal.Cast<double, Vector<double>>(a);
            var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
            Vector<double> s0 = default, s1 = default;
            var i = 0;
            for (; i + 1 < va.Length; i += 2)
            {
                s0 += va[i] * vb[i];
                s1 += va[i + 1] * vb[i + 1];
            }

            if (i < va.Length)
            {
                s0 += va[i] * vb[i];
            }

            var total = Vector.Sum(s0 + s1);
            for (var j = va.Length * Vector<double>.Count; j < a.Length; j++)
            {
                total += a[j] * b[j];
            }

            return total;
        }
    }
}
