using Autoscaler.Simulation.Workloads;
using Autoscaler.Testing;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class RatePatternSyntaxTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Diurnal_in_both_forms_with_every_parameter()
    {
        var colon = Assert.IsType<DiurnalRate>(RatePatterns.Parse("diurnal:min=20,max=200,peak=14h30m,weekend=0.5,day=10m"));
        var call = Assert.IsType<DiurnalRate>(RatePatterns.Parse("diurnal( min = 20 , max=200, peak=14.5, weekend=0.5, day=10m )"));

        foreach (var d in new[] { colon, call })
        {
            Assert.Equal((20, 200, 14.5, 0.5, TimeSpan.FromMinutes(10)), (d.Min, d.Max, d.PeakHour, d.WeekendFactor, d.Period));
        }

        var defaults = Assert.IsType<DiurnalRate>(RatePatterns.Parse("DIURNAL(max=100)"));
        Assert.Equal((0, 15, 1, TimeSpan.FromDays(1)), (defaults.Min, defaults.PeakHour, defaults.WeekendFactor, defaults.Period));
    }

    [Fact]
    public void Every_older_pattern_has_a_textual_form()
    {
        Assert.Equal(100, RatePatterns.Parse("constant(rate=100)").RateAt(S(3)));
        Assert.Equal(100, RatePatterns.Parse("constant(100)").RateAt(S(3)));
        Assert.Equal(100, RatePatterns.Parse("100").RateAt(S(3)));
        Assert.Equal(1000, RatePatterns.Parse("1e+3").RateAt(S(3)));
        Assert.Equal(200, RatePatterns.Parse("step(0s=50, 10s=200, 20s=50)").RateAt(S(15)));
        Assert.Equal(150, RatePatterns.Parse("ramp:from=100,to=200,over=10s").RateAt(S(5)), 9);
        Assert.Equal(500, RatePatterns.Parse("spike(base=50, peak=500, at=10s, length=5s)").RateAt(S(12)));
        Assert.Equal(150, RatePatterns.Parse("sine(mean=100, amplitude=50, period=1m)").RateAt(S(15)), 6);
    }

    [Fact]
    public void Noise_and_sums_nest()
    {
        var pattern = RatePatterns.Parse("poisson(diurnal(min=20, max=200, day=10m), seed=7, bucket=2s) + spike:base=0,peak=300,at=2m,length=20s");

        var sum = Assert.IsType<SumRate>(pattern);
        var noise = Assert.IsType<PoissonNoise>(sum.Parts[0]);
        Assert.Equal((7, S(2)), (noise.Seed, noise.Bucket));
        Assert.IsType<DiurnalRate>(noise.Inner);
        Assert.IsType<SpikeRate>(sum.Parts[1]);

        var explicitSum = Assert.IsType<SumRate>(RatePatterns.Parse("sum(constant(5), ramp(from=0, to=10, over=10s), 3)"));
        Assert.Equal(5 + 5 + 3, explicitSum.RateAt(S(5)), 9);
        Assert.Equal(0, Assert.IsType<PoissonNoise>(RatePatterns.Parse("poisson(constant(40))")).Seed);
    }

    [Fact]
    public void A_trace_is_read_relative_to_the_base_directory_with_its_time_scale()
    {
        using var dir = new TempDirectory("trace-syntax");
        var file = dir.File("day.csv");
        File.WriteAllText(file, "seconds,rps\n0,10\n60,40\n");

        var trace = Assert.IsType<TraceRate>(RatePatterns.Parse("trace(file=day.csv, scale=0.1)", dir.Path));

        Assert.Equal(40, trace.RateAt(S(6)));
        Assert.Equal(0.1, trace.TimeScale);
        Assert.Equal(10, RatePatterns.Parse($"trace(file='{file}')").RateAt(S(59)));
    }

    [Fact]
    public void A_trace_s_rate_scale_multiplies_its_rates_and_not_its_times()
    {
        using var dir = new TempDirectory("trace-syntax");
        File.WriteAllText(dir.File("day.csv"), "seconds,rps\n0,10\n60,40\n");

        var trace = Assert.IsType<TraceRate>(RatePatterns.Parse("trace(file=day.csv, rateScale=3)", dir.Path));

        Assert.Equal(30, trace.RateAt(S(59)));
        Assert.Equal(120, trace.RateAt(S(60)));
        Assert.Equal((1.0, 3.0), (trace.TimeScale, trace.RateScale));
    }

    [Theory]
    [InlineData("", "the pattern is empty")]
    [InlineData("dinural(max=3)", "'dinural' is not a pattern; use one of constant, step, ramp, spike, sine, trace, diurnal, poisson, sum")]
    [InlineData("constant(1) + sinus(mean=1)", "'sinus' (at 15) is not a pattern")]
    [InlineData("diurnal", "diurnal: max is required; diurnal(min=R, max=R, peak=HOUR, weekend=X, day=D)")]
    [InlineData("diurnal(max=200, maxx=3)", "diurnal: unknown parameter 'maxx' (known: min, max, peak, weekend, day)")]
    [InlineData("diurnal(max=lots)", "diurnal: max 'lots' is not a number")]
    [InlineData("diurnal(max=10, day=soon)", "diurnal: day 'soon' is not a duration")]
    [InlineData("diurnal(max=10, peak=noon)", "diurnal: peak 'noon' is not an hour of the day")]
    [InlineData("diurnal(min=50, max=10)", "diurnal: max rate 10 is below min rate 50")]
    [InlineData("diurnal(max=10, max=20)", "diurnal: max is given twice")]
    [InlineData("diurnal(max=10", "diurnal(…) is not closed; expected ')'")]
    [InlineData("diurnal(max=10))", "unexpected ')'")]
    [InlineData("poisson(seed=3)", "poisson: needs exactly one pattern to add noise to")]
    [InlineData("poisson(constant(3), seed=1.5)", "poisson: seed 1.5 must be a whole number")]
    [InlineData("poisson(constant(3), bucket=0s)", "poisson: bucket 0s must be longer than zero")]
    [InlineData("ramp(from=1, over=10s)", "ramp: to is required")]
    [InlineData("constant(rate=-3)", "rate -3 is negative")]
    [InlineData("sine(constant(3), mean=1, amplitude=1, period=1s)", "sine: takes no pattern inside it")]
    [InlineData("step(later=3)", "step: 'later' in 'later=3' is not a time")]
    [InlineData("constant(5) +", "expected a pattern at the end")]
    [InlineData("trace(scale=2)", "trace: file is required")]
    [InlineData("trace(file=day.csv, rateScale=0)", "trace: rateScale 0 must be above 0 (it multiplies every rate: 2 doubles them)")]
    [InlineData("trace(file=day.csv, rateScale=-1.5)", "trace: rateScale -1.5 must be above 0")]
    [InlineData("trace(file=day.csv, rateScale=big)", "trace: rateScale 'big' is not a number")]
    [InlineData("trace(file=/no/such/trace.csv)", "cannot read trace file '/no/such/trace.csv': no such file")]
    public void Bad_text_names_the_pattern_and_the_parameter(string text, string expected)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => RatePatterns.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
