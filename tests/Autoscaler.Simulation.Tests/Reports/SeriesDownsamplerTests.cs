using Autoscaler.Simulation.Reports;

namespace Autoscaler.Simulation.Tests.Reports;

public sealed class SeriesDownsamplerTests
{
    [Fact]
    public void A_short_series_is_kept_as_it_is()
    {
        double[] xs = [0, 1, 2];
        double[] ys = [5, 7, 6];

        var (tx, ty) = SeriesDownsampler.Thin(xs, ys);

        Assert.Equal(xs, tx);
        Assert.Equal(ys, ty);
    }

    [Fact]
    public void A_long_series_is_thinned_in_time_order_keeping_its_spikes()
    {
        var xs = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray();
        var ys = xs.Select(x => 10 + Math.Sin(x / 5_000)).ToArray();
        ys[12_345] = 500;
        ys[67_891] = -3;

        var (tx, ty) = SeriesDownsampler.Thin(xs, ys);

        Assert.InRange(tx.Length, 2, SeriesDownsampler.MaxPoints);
        Assert.Equal(tx.Length, ty.Length);
        Assert.True(tx.Zip(tx.Skip(1)).All(p => p.First < p.Second), "times are not increasing");
        Assert.Equal(500, ty.Max());
        Assert.Equal(-3, ty.Min());
        Assert.Contains(12_345, tx);
        Assert.Equal(0, tx[0]);
    }

    [Fact]
    public void Points_without_a_value_are_left_out()
    {
        var (tx, ty) = SeriesDownsampler.Thin([0, 1, 2, 3], [1, double.NaN, double.PositiveInfinity, 4]);

        Assert.Equal([0, 3], tx);
        Assert.Equal([1, 4], ty);
    }
}
