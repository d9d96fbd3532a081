namespace Autoscaler.Simulation.Reports;

/// <summary>
/// Thins a series for drawing: the charts are shown at half their 1000-pixel width or less, so more than about a
/// lowest and a highest point per displayed pixel column cannot show, while drawing time grows with points. Each
/// bucket keeps its lowest and highest point in time order, so spikes survive.
/// </summary>
internal static class SeriesDownsampler
{
    public const int MaxPoints = 1000;

    public static (double[] Xs, double[] Ys) Thin(IReadOnlyList<double> xs, IReadOnlyList<double> ys, int maxPoints = MaxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        var (fx, fy) = Finite(xs, ys);
        if (fx.Length <= maxPoints)
        {
            return (fx, fy);
        }

        var buckets = maxPoints / 2;
        var ox = new double[buckets * 2];
        var oy = new double[buckets * 2];
        var n = 0;
        for (var b = 0; b < buckets; b++)
        {
            var start = (int)((long)b * fx.Length / buckets);
            var end = (int)((long)(b + 1) * fx.Length / buckets);
            var lo = start;
            var hi = start;
            for (var i = start + 1; i < end; i++)
            {
                if (fy[i] < fy[lo])
                {
                    lo = i;
                }

                if (fy[i] > fy[hi])
                {
                    hi = i;
                }
            }

            var first = Math.Min(lo, hi);
            var second = Math.Max(lo, hi);
            ox[n] = fx[first];
            oy[n++] = fy[first];
            if (second != first)
            {
                ox[n] = fx[second];
                oy[n++] = fy[second];
            }
        }

        Array.Resize(ref ox, n);
        Array.Resize(ref oy, n);
        return (ox, oy);
    }

    // A step with no request served has no latency (NaN); such points are left out rather than drawn as zero.
    private static (double[] Xs, double[] Ys) Finite(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        var count = Math.Min(xs.Count, ys.Count);
        var ox = new double[count];
        var oy = new double[count];
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i]))
            {
                ox[n] = xs[i];
                oy[n++] = ys[i];
            }
        }

        if (n < count)
        {
            Array.Resize(ref ox, n);
            Array.Resize(ref oy, n);
        }

        return (ox, oy);
    }
}
