using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

public sealed class TraceRateTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static TraceRate Parse(string text, double timeScale = 1) =>
        TraceRate.Parse(new StringReader(text), "trace.csv", timeScale);

    [Fact]
    public void A_valid_trace_holds_each_rate_until_the_next_row()
    {
        var trace = Parse("seconds,rps\n0,10\n5,40\n12.5,20\n");

        Assert.Equal(10, trace.RateAt(S(0)));
        Assert.Equal(10, trace.RateAt(S(4.99)));
        Assert.Equal(40, trace.RateAt(S(5)));
        Assert.Equal(40, trace.RateAt(S(12.4)));
        Assert.Equal(20, trace.RateAt(S(12.5)));
        Assert.Equal(20, trace.RateAt(S(1000)));
        Assert.Equal("trace", trace.Name);
    }

    [Fact]
    public void Blank_lines_windows_line_ends_spaces_and_a_capitalised_header_are_accepted()
    {
        var trace = Parse("\r\nSeconds , RPS\r\n\r\n 0 , 10 \r\n2,30\r\n");

        Assert.Equal([new RatePoint(S(0), 10), new RatePoint(S(2), 30)], trace.Points);
    }

    [Fact]
    public void The_rate_before_the_first_row_is_zero()
    {
        var trace = Parse("seconds,rps\n3,10\n");

        Assert.Equal(0, trace.RateAt(S(2.9)));
        Assert.Equal(10, trace.RateAt(S(3)));
    }

    [Fact]
    public void Time_scale_compresses_the_trace_without_changing_rates()
    {
        var trace = Parse("seconds,rps\n0,10\n60,40\n120,20\n", timeScale: 0.1);

        Assert.Equal(10, trace.RateAt(S(5.9)));
        Assert.Equal(40, trace.RateAt(S(6)));
        Assert.Equal(20, trace.RateAt(S(12)));
        Assert.Equal(S(12), trace.LastPointAt);
    }

    [Fact]
    public void Time_scale_stretches_the_trace()
    {
        var trace = Parse("seconds,rps\n0,10\n1,40\n", timeScale: 3);

        Assert.Equal(10, trace.RateAt(S(2.99)));
        Assert.Equal(40, trace.RateAt(S(3)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    public void Time_scale_must_be_above_zero(double timeScale)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\n0,1\n", timeScale));
        Assert.Contains("time scale", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_scale_multiplies_every_rate_and_keeps_the_times_and_the_points_as_written()
    {
        var trace = TraceRate.Parse(new StringReader("seconds,rps\n0,10\n60,40\n"), "trace.csv", timeScale: 0.5, rateScale: 2.5);

        Assert.Equal(25, trace.RateAt(S(29.9)));
        Assert.Equal(100, trace.RateAt(S(30)));
        Assert.Equal(2.5, trace.RateScale);
        Assert.Equal([new RatePoint(S(0), 10), new RatePoint(S(60), 40)], trace.Points);
        Assert.Equal(1, Parse("seconds,rps\n0,10\n").RateScale);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.PositiveInfinity)]
    public void Rate_scale_must_be_above_zero(double rateScale)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => new TraceRate([new RatePoint(S(0), 10)], rateScale: rateScale));
        Assert.StartsWith("trace: rate scale", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be a number above 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_header_is_reported_with_its_line()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("0,10\n5,20\n"));

        Assert.Equal("trace.csv line 1: expected the header row 'seconds,rps', found '0,10'", e.Message);
    }

    [Fact]
    public void A_bad_number_is_reported_with_the_file_and_line()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\n0,10\n\n5,lots\n"));

        Assert.Equal("trace.csv line 4: rps 'lots' is not a number", e.Message);
    }

    [Fact]
    public void A_bad_time_is_reported_with_the_file_and_line()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\nlater,10\n"));

        Assert.Equal("trace.csv line 2: seconds 'later' is not a number", e.Message);
    }

    [Fact]
    public void A_negative_rps_is_reported_with_the_file_and_line()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\n0,10\n1,-3\n"));

        Assert.Equal("trace.csv line 3: rps -3 is negative; use 0 or more", e.Message);
    }

    [Fact]
    public void Rows_out_of_order_are_reported()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\n5,10\n5,20\n"));

        Assert.StartsWith("trace.csv line 3: seconds 5 does not come after", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_is_reported()
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse("seconds,rps\n0,10,3\n"));

        Assert.Equal("trace.csv line 2: expected 2 fields (seconds,rps), found 3 in '0,10,3'", e.Message);
    }

    [Theory]
    [InlineData("", "the trace is empty")]
    [InlineData("seconds,rps\n\n", "no rows after the header")]
    public void An_empty_trace_is_reported(string text, string expected)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => Parse(text));

        Assert.StartsWith("trace.csv: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_reads_a_file_and_names_it_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "seconds,rps\n0,10\nx,1\n");
        try
        {
            var e = Assert.Throws<InvalidWorkloadException>(() => TraceRate.Load(path));
            Assert.Equal($"{path} line 3: seconds 'x' is not a number", e.Message);

            File.WriteAllText(path, "seconds,rps\n0,10\n");
            Assert.Equal(10, TraceRate.Load(path).RateAt(S(1)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_of_a_missing_file_says_so()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.csv");

        var e = Assert.Throws<InvalidWorkloadException>(() => TraceRate.Load(path));

        Assert.Equal($"cannot read trace file '{path}': no such file", e.Message);
    }

    [Fact]
    public void From_seconds_builds_a_step_hold_trace_from_fetched_points()
    {
        var trace = TraceRate.FromSeconds([(0, 12), (15, 30.5), (30, 0)], timeScale: 2);

        Assert.Equal(12, trace.RateAt(S(29.9)));
        Assert.Equal(30.5, trace.RateAt(S(30)));
        Assert.Equal(0, trace.RateAt(S(60)));
    }

    [Theory]
    [InlineData(-1, 1, "time -1 s is not a time since the start")]
    [InlineData(0, -1, "rate at 0s, -1 is negative")]
    public void From_seconds_refuses_bad_points(double seconds, double rate, string expected)
    {
        var e = Assert.Throws<InvalidWorkloadException>(() => TraceRate.FromSeconds([(seconds, rate)]));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
