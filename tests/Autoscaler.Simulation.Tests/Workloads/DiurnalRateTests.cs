using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class DiurnalRateTests
{
    private static TimeSpan H(double hours) => TimeSpan.FromHours(hours);

    [Fact]
    public void Peaks_at_the_peak_hour_and_is_lowest_twelve_hours_away()
    {
        var day = new DiurnalRate(min: 20, max: 200, peakHour: 15);

        Assert.Equal(200, day.RateAt(H(15)), 9);
        Assert.Equal(20, day.RateAt(H(3)), 9);
        Assert.Equal(110, day.RateAt(H(9)), 9); // halfway up in the morning
        Assert.Equal(110, day.RateAt(H(21)), 9);
        Assert.Equal("diurnal", day.Name);
    }

    [Fact]
    public void Night_is_low_and_the_afternoon_is_high()
    {
        var day = new DiurnalRate(10, 100);

        Assert.All([0.0, 1, 2, 3, 4, 5], h => Assert.True(day.RateAt(H(h)) < 30, $"{h} h: {day.RateAt(H(h))}"));
        Assert.All([13.0, 14, 15, 16, 17], h => Assert.True(day.RateAt(H(h)) > 85, $"{h} h: {day.RateAt(H(h))}"));
    }

    [Fact]
    public void Repeats_every_day_and_never_jumps()
    {
        var day = new DiurnalRate(10, 100, peakHour: 14);

        for (var minute = 0; minute < 24 * 60; minute += 7)
        {
            var t = TimeSpan.FromMinutes(minute);
            Assert.Equal(day.RateAt(t), day.RateAt(t + TimeSpan.FromDays(3)), 9);
        }

        AssertSmooth(day, TimeSpan.FromDays(7), maxStep: 1);
    }

    [Fact]
    public void A_compressed_day_has_the_same_shape()
    {
        var real = new DiurnalRate(10, 100);
        var fast = new DiurnalRate(10, 100, period: TimeSpan.FromMinutes(10));

        for (var i = 0; i <= 100; i++)
        {
            Assert.Equal(real.RateAt(TimeSpan.FromDays(i / 100.0)), fast.RateAt(TimeSpan.FromMinutes(i / 10.0)), 9);
        }
    }

    [Fact]
    public void Weekends_carry_the_weekend_factor_and_blend_in_smoothly()
    {
        var week = new DiurnalRate(20, 200, weekendFactor: 0.5);
        var weekday = new DiurnalRate(20, 200);

        // The run starts on a Monday: days 0-4 are weekdays, 5 and 6 the weekend.
        for (var d = 0; d < 14; d++)
        {
            var noon = TimeSpan.FromDays(d) + H(15);
            var expected = d % 7 >= 5 ? 100 : 200;
            Assert.Equal(expected, week.RateAt(noon), 9);
        }

        Assert.Equal(weekday.RateAt(H(4 * 24 + 22)), week.RateAt(H(4 * 24 + 22)), 9); // Friday 22:00, before the blend
        Assert.Equal(weekday.RateAt(H(7 * 24 + 2)), week.RateAt(H(7 * 24 + 2)), 9); // Monday 02:00, after it
        AssertSmooth(week, TimeSpan.FromDays(14), maxStep: 1);
    }

    [Theory]
    [InlineData(-1, 10, 15, 1, "min rate -1 is negative")]
    [InlineData(50, 10, 15, 1, "max rate 10 is below min rate 50")]
    [InlineData(1, 10, 25, 1, "peak hour 25 must be between 0 and 24")]
    [InlineData(1, 10, 15, -0.5, "weekend factor -0.5 must be 0 or more")]
    [InlineData(1, double.NaN, 15, 1, "max rate NaN is not a number")]
    public void Bad_parameters_are_named(double min, double max, double peak, double weekend, string expected)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new DiurnalRate(min, max, peak, weekend));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_day_length_is_refused()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new DiurnalRate(1, 10, period: TimeSpan.Zero));

        Assert.Contains("day length 0s must be longer than zero", e.Message, StringComparison.Ordinal);
    }

    private static void AssertSmooth(IRatePattern pattern, TimeSpan length, double maxStep)
    {
        var step = TimeSpan.FromMinutes(1);
        var previous = pattern.RateAt(TimeSpan.Zero);
        for (var t = step; t <= length; t += step)
        {
            var rate = pattern.RateAt(t);
            Assert.True(Math.Abs(rate - previous) <= maxStep, $"jump of {rate - previous} req/s at {t}");
            Assert.True(rate >= 0);
            previous = rate;
        }
    }
}
