using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class RatePatternTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Theory]
    [InlineData(0)]
    [InlineData(7.5)]
    [InlineData(3600)]
    public void Constant_is_the_same_rate_at_every_time(double seconds)
    {
        var pattern = new ConstantRate(200);

        Assert.Equal(200, pattern.RateAt(S(seconds)));
        Assert.Equal("constant", pattern.Name);
    }

    [Fact]
    public void Constant_of_zero_is_allowed() => Assert.Equal(0, new ConstantRate(0).RateAt(S(1)));

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constant_rejects_a_rate_that_is_negative_or_not_a_number(double rate)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new ConstantRate(rate));
        Assert.Contains("rate", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(9.999, 50)]
    [InlineData(10, 200)]
    [InlineData(19.5, 200)]
    [InlineData(20, 50)]
    [InlineData(500, 50)]
    public void Step_holds_each_rate_until_the_next_point(double seconds, double expected)
    {
        var pattern = StepRate.Parse("0s=50,10s=200,20s=50");

        Assert.Equal(expected, pattern.RateAt(S(seconds)));
    }

    [Fact]
    public void Step_is_zero_before_its_first_point()
    {
        var pattern = new StepRate([new RatePoint(S(5), 100)]);

        Assert.Equal(0, pattern.RateAt(S(4.9)));
        Assert.Equal(100, pattern.RateAt(S(5)));
    }

    [Fact]
    public void Step_parse_accepts_plain_seconds_and_units()
    {
        var pattern = StepRate.Parse("0=10, 1.5=20, 2m=15");

        Assert.Equal([new RatePoint(S(0), 10), new RatePoint(S(1.5), 20), new RatePoint(S(120), 15)], pattern.Points);
    }

    [Theory]
    [InlineData("0s=50,10s", "'10s' is not time=rate")]
    [InlineData("0s=50,soon=200", "'soon' in 'soon=200' is not a time")]
    [InlineData("0s=fast", "'fast' in '0s=fast' is not a number")]
    [InlineData("0s=50,10s=-200", "negative")]
    [InlineData("10s=50,5s=200", "times must increase, but 5s follows 10s")]
    [InlineData("", "is not time=rate")]
    public void Step_parse_names_the_problem(string text, string expected)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => StepRate.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(5, 150)]
    [InlineData(7.5, 175)]
    [InlineData(10, 200)]
    [InlineData(60, 200)]
    public void Ramp_rises_linearly_and_then_holds_the_end_rate(double seconds, double expected)
    {
        var pattern = new RampRate(100, 200, S(10));

        Assert.Equal(expected, pattern.RateAt(S(seconds)), 9);
    }

    [Fact]
    public void Ramp_can_go_down()
    {
        var pattern = new RampRate(400, 0, S(4));

        Assert.Equal(300, pattern.RateAt(S(1)), 9);
        Assert.Equal(0, pattern.RateAt(S(4)));
    }

    [Fact]
    public void Ramp_rejects_a_negative_end_rate()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new RampRate(10, -1, S(10)));
        Assert.Contains("end rate -1 is negative", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(9.99, 50)]
    [InlineData(10, 500)]
    [InlineData(14.99, 500)]
    [InlineData(15, 50)]
    public void Spike_is_at_its_peak_only_during_the_spike(double seconds, double expected)
    {
        var pattern = new SpikeRate(50, 500, S(10), S(5));

        Assert.Equal(expected, pattern.RateAt(S(seconds)));
    }

    [Fact]
    public void Spike_rejects_a_zero_length()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new SpikeRate(50, 500, S(10), TimeSpan.Zero));
        Assert.Contains("length 0s must be longer than zero", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(15, 150)]
    [InlineData(30, 100)]
    [InlineData(45, 50)]
    [InlineData(60, 100)]
    public void Sine_waves_around_its_mean(double seconds, double expected)
    {
        var pattern = new SineRate(100, 50, S(60));

        Assert.Equal(expected, pattern.RateAt(S(seconds)), 6);
    }

    [Fact]
    public void Sine_is_clipped_at_zero_when_the_amplitude_exceeds_the_mean()
    {
        var pattern = new SineRate(100, 300, S(60));

        Assert.Equal(400, pattern.RateAt(S(15)), 6);
        Assert.Equal(0, pattern.RateAt(S(45)));
        Assert.All(Enumerable.Range(0, 600), i => Assert.True(pattern.RateAt(S(i / 10.0)) >= 0));
    }

    [Fact]
    public void Sine_rejects_a_zero_period()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new SineRate(100, 10, TimeSpan.Zero));
        Assert.Contains("period", e.Message, StringComparison.Ordinal);
    }
}
