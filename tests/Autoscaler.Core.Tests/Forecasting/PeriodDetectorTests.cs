using Autoscaler.Core.Forecasting;

namespace Autoscaler.Core.Tests.Forecasting;

public sealed class PeriodDetectorTests
{
    private static readonly TimeSpan FifteenSeconds = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    [Fact]
    public void A_ten_minute_on_off_cycle_is_ten_minutes_not_a_multiple_of_it()
    {
        // Three hours of 15 s samples: 250 req/s for 4 minutes, 40 req/s for 6, so 20, 30... 60 minutes repeat too.
        var values = Samples((int)(TimeSpan.FromHours(3) / FifteenSeconds), i => OnOff(i * FifteenSeconds), noise: 20);

        var found = PeriodDetector.Detect(values, FifteenSeconds, OneMinute, TimeSpan.FromHours(1));

        AssertNear(TimeSpan.FromMinutes(10), found.Primary, FifteenSeconds);
        Assert.Null(found.Secondary);
        Assert.InRange(found.PrimaryStrength, 0.8, 1);
    }

    [Fact]
    public void A_daily_wave_over_four_days_is_one_day()
    {
        var values = Samples(4 * 1440, i => DailyWave(i * OneMinute), noise: 10);

        var found = PeriodDetector.Detect(values, OneMinute, TimeSpan.FromHours(1), TimeSpan.FromDays(2));

        AssertNear(TimeSpan.FromDays(1), found.Primary, OneMinute);
        Assert.Null(found.Secondary);
    }

    [Fact]
    public void Weekdays_and_quieter_weekends_give_a_day_with_a_week_on_top()
    {
        // Two weeks in 5 minute samples, Saturdays and Sundays at half: the day repeats, but a Monday resembles
        // the Monday a week earlier better than the Sunday before it.
        var values = Samples(14 * 288, i => Weekly(i * FiveMinutes), noise: 8);

        var found = PeriodDetector.Detect(values, FiveMinutes, TimeSpan.FromHours(1), TimeSpan.FromDays(7));

        AssertNear(TimeSpan.FromDays(1), found.Primary, FiveMinutes);
        AssertNear(TimeSpan.FromDays(7), found.Secondary, FiveMinutes);
        Assert.True(found.SecondaryStrength > found.PrimaryStrength, $"{found}");
    }

    [Fact]
    public void Pure_noise_has_no_period()
    {
        var values = Samples(4 * 1440, _ => 100, noise: 10);

        Assert.Equal(DetectedPeriods.None, PeriodDetector.Detect(values, OneMinute, FiveMinutes, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void A_constant_has_no_period()
    {
        var values = Enumerable.Repeat(42.0, 4 * 1440).ToArray();

        Assert.Equal(DetectedPeriods.None, PeriodDetector.Detect(values, OneMinute, FiveMinutes, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void A_noisy_linear_ramp_has_no_period()
    {
        var values = Samples(4 * 1440, i => 50 + (0.05 * i), noise: 10);

        Assert.Equal(DetectedPeriods.None, PeriodDetector.Detect(values, OneMinute, FiveMinutes, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void A_single_step_has_no_period()
    {
        var values = Samples(4 * 1440, i => i < 2000 ? 50 : 150, noise: 10);

        Assert.Equal(DetectedPeriods.None, PeriodDetector.Detect(values, OneMinute, FiveMinutes, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void Less_than_two_cycles_of_data_give_no_period()
    {
        var values = Samples(1440 * 3 / 2, i => DailyWave(i * OneMinute), noise: 10);

        Assert.Equal(DetectedPeriods.None, PeriodDetector.Detect(values, OneMinute, TimeSpan.FromHours(1), TimeSpan.FromDays(1)));
    }

    [Fact]
    public void A_strong_linear_trend_leaves_the_daily_period_alone()
    {
        // The trend adds 2,880 req/s over the four days, fourteen times the daily swing.
        var values = Samples(4 * 1440, i => DailyWave(i * OneMinute) + (0.5 * i), noise: 10);

        var found = PeriodDetector.Detect(values, OneMinute, TimeSpan.FromHours(1), TimeSpan.FromDays(2));

        AssertNear(TimeSpan.FromDays(1), found.Primary, OneMinute);
    }

    [Fact]
    public void Missing_values_are_carried_over()
    {
        var random = new Random(7);
        var values = Samples(4 * 1440, i => DailyWave(i * OneMinute), noise: 10);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i < 30 || (i >= 3000 && i < 3100) || random.NextDouble() < 0.1 ? double.NaN : values[i];
        }

        var found = PeriodDetector.Detect(values, OneMinute, TimeSpan.FromHours(1), TimeSpan.FromDays(2));

        AssertNear(TimeSpan.FromDays(1), found.Primary, OneMinute);
    }

    [Fact]
    public void A_hundred_thousand_samples_with_a_daily_wave_give_one_day()
    {
        // 17 days of 15 s samples, the size the simulator hands over; how long it takes is measured in bench/.
        var values = Samples(100_000, i => DailyWave(i * FifteenSeconds), noise: 10);

        var found = PeriodDetector.Detect(values, FifteenSeconds, FiveMinutes, TimeSpan.FromDays(7));

        AssertNear(TimeSpan.FromDays(1), found.Primary, FifteenSeconds);
        Assert.Null(found.Secondary);
    }

    [Fact]
    public void A_ten_minute_cycle_is_found_in_weeks_of_samples()
    {
        // The ACF over all 17 days is computed on block means of 12 minutes, too coarse for a 10 minute cycle:
        // that one has to come from the finer look at the latest samples.
        var values = Samples(100_000, i => OnOff(i * FifteenSeconds), noise: 20);

        var found = PeriodDetector.Detect(values, FifteenSeconds, FiveMinutes, TimeSpan.FromDays(7));

        AssertNear(TimeSpan.FromMinutes(10), found.Primary, FifteenSeconds);
        Assert.Null(found.Secondary);
    }

    [Fact]
    public void A_cycle_shorter_than_the_range_shows_as_a_multiple_of_it_not_as_an_alias()
    {
        // Looking from 45 minutes up, blocks are 5.5 minutes long, and their means turn the 10 minute cycle into
        // false peaks at lags such as 49¼ minutes. The data repeats every 50 minutes; it does not every 49¼.
        var values = Samples(100_000, i => OnOff(i * FifteenSeconds), noise: 20);

        var found = PeriodDetector.Detect(values, FifteenSeconds, TimeSpan.FromMinutes(45), TimeSpan.FromDays(7));

        Assert.NotNull(found.Primary);
        var cycles = Math.Round(found.Primary.Value / TimeSpan.FromMinutes(10));
        Assert.True(cycles >= 5, $"{found}");
        AssertNear(cycles * TimeSpan.FromMinutes(10), found.Primary, FifteenSeconds);
    }

    [Fact]
    public void Spacing_and_range_must_make_sense()
    {
        var values = new double[100];

        Assert.Throws<ArgumentOutOfRangeException>(() => PeriodDetector.Detect(values, TimeSpan.Zero, OneMinute, TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PeriodDetector.Detect(values, OneMinute, TimeSpan.FromHours(2), TimeSpan.FromHours(1)));
    }

    private static double OnOff(TimeSpan t) => t.TotalMinutes % 10 < 4 ? 250 : 40;

    private static double DailyWave(TimeSpan t) => 120 + (100 * Math.Sin(2 * Math.PI * t.TotalDays));

    /// <summary>Busy from 6:00 to 18:00 with the peak at noon; Saturday and Sunday (days 5 and 6) at half.</summary>
    private static double Weekly(TimeSpan t)
    {
        var weekday = (int)t.TotalDays % 7 < 5 ? 1 : 0.5;
        return weekday * (30 + (170 * Math.Max(0, Math.Sin(2 * Math.PI * (t.TotalDays - 0.25)))));
    }

    private static double[] Samples(int count, Func<int, double> shape, double noise, int seed = 42)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = shape(i) + (noise * Gaussian(random));
        }

        return values;
    }

    /// <summary>Standard normal by Box-Muller.</summary>
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void AssertNear(TimeSpan expected, TimeSpan? actual, TimeSpan tolerance)
    {
        Assert.NotNull(actual);
        Assert.True((actual.Value - expected).Duration() <= tolerance, $"expected {expected} ± {tolerance}, found {actual}");
    }
}
