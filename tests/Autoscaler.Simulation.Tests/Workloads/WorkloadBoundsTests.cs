using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Simulation.Tests.Workloads;

/// <summary>Issue 15, finding 2: rates, times, nesting and trace sizes are bounded where a pattern or trace is made.</summary>
public sealed class WorkloadBoundsTests
{
    private static string Refused(Action make) => Assert.Throws<InvalidWorkloadException>(make).Message;

    [Theory]
    [InlineData("constant(rate=1e308)", "rate is 1e+308, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("1e12", "rate is 1e+12, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("ramp(from=0, to=2e7, over=1m)", "ramp: end rate is 20000000, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("spike(base=1, peak=1e8, at=1m, length=1m)", "spike: peak rate is 100000000, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("sine(mean=6e6, amplitude=6e6, period=1m)", "sine: mean + amplitude is 12000000, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("step(0s=1, 10s=1e9)", "step: rate at 10s is 1e+9, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("diurnal(max=6e6, weekend=2)", "diurnal: max rate × weekend factor is 12000000, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("6e6 + poisson(constant(rate=6e6))", "sum: the highest rate (the parts' highest added up) is 12000000, above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("ramp(from=1, to=2, over=400d)", "ramp: length 34560000s is longer than 1 year (365d), the longest the tool takes")]
    [InlineData("sine(mean=1, amplitude=1, period=53w)", "sine: period 53w is longer than 1 year (365d), the longest the tool takes")]
    public void A_pattern_past_a_bound_is_refused_naming_it(string pattern, string message)
    {
        Assert.Equal(message, Refused(() => RatePatterns.Parse(pattern)));
    }

    [Fact]
    public void The_bounds_themselves_are_accepted()
    {
        Assert.Equal(10_000_000, RatePatterns.Parse("4e6 + sine(mean=3e6, amplitude=3e6, period=365d)").Peak);
        Assert.Equal(10_000_000, RatePatterns.Parse("diurnal(max=5e6, weekend=2, day=365d)").Peak);
    }

    [Fact]
    public void Patterns_nested_more_than_16_deep_are_refused_not_a_stack_overflow()
    {
        // 20,000 nested sums overflowed the parser's stack (exit 134).
        var deep = string.Concat(Enumerable.Repeat("sum(", 20_000)) + "1" + new string(')', 20_000);
        Assert.Equal("pattern 'sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(sum(…': patterns nest more than 16 deep, the most the tool takes (at 68)",
            Refused(() => RatePatterns.Parse(deep)));

        var sixteen = string.Concat(Enumerable.Repeat("poisson(", 15)) + "sum(5)" + new string(')', 15);
        Assert.Equal(5, RatePatterns.Parse(sixteen).Peak);
    }

    [Theory]
    [InlineData("seconds,rps\n0,10\n60,1e308\n", "trace.csv line 3: rps 1e308 is above 10,000,000 req/s (10 M), the highest rate the tool takes")]
    [InlineData("seconds,rps\n0,10\n31536001,1\n", "trace.csv line 3: seconds 31536001 is past 1 year (365d) (31536000 s), the longest a trace may span")]
    public void A_trace_row_past_a_bound_is_refused_with_its_line(string text, string message)
    {
        // The row 60,1e308 grew simulate to 15 GB and ended in an OverflowException; 1e12 hung.
        Assert.Equal(message, Refused(() => TraceRate.Parse(new StringReader(text), "trace.csv")));
    }

    [Fact]
    public void A_rate_scale_or_time_scale_that_takes_a_trace_past_a_bound_is_refused()
    {
        Assert.Equal("trace.csv: trace: the highest rate times rate scale 100 is 100000000, above 10,000,000 req/s (10 M), the highest rate the tool takes",
            Refused(() => TraceRate.Parse(new StringReader("seconds,rps\n0,1e6\n"), "trace.csv", rateScale: 100)));
        Assert.Equal("trace.csv: trace: time scale 1000 puts 86400s past 1 year (365d), the longest a trace may span",
            Refused(() => TraceRate.Parse(new StringReader("seconds,rps\n0,1\n86400,2\n"), "trace.csv", timeScale: 1000)));
    }

    [Fact]
    public void A_line_longer_than_1000_characters_is_refused_before_more_of_it_is_read()
    {
        var reader = new CountingReader("seconds,rps\n0," + new string('1', 10_000_000));
        Assert.Equal("trace.csv line 2: longer than the 1000 characters a trace line may have; a row is seconds,rps",
            Refused(() => TraceRate.Parse(reader, "trace.csv")));
        Assert.True(reader.Position < 200_000, $"read {reader.Position} characters");
    }

    [Fact]
    public void A_trace_of_more_than_10_million_lines_is_refused()
    {
        // Blank lines count: the bound is on what is read, so it holds before any row is kept.
        var reader = new CountingReader("seconds,rps\n" + new string('\n', TraceRate.MaxRows + 5));
        Assert.Equal("trace.csv line 10000002: the trace has more than the 10,000,000 rows a trace may have; thin it out (one row per second or minute is plenty)",
            Refused(() => TraceRate.Parse(reader, "trace.csv")));
    }

    [Fact]
    public void Line_ends_of_every_kind_split_rows_across_read_blocks()
    {
        // Rows up to the reader's 64 K block, the last one padded so that its \r ends the block and its \n starts the next:
        // the pair must count as one line end.
        var text = new System.Text.StringBuilder("seconds,rps\r\n");
        var rows = 0;
        for (; text.Length < (64 * 1024) - 100; rows++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{rows},1\r\n");
        }

        var last = $"{rows++},1";
        var padding = (64 * 1024) - 1 - text.Length - last.Length;
        text.Append(last).Append(' ', padding).Append("\r\n");
        Assert.Equal('\r', text[(64 * 1024) - 1]);
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{rows},2\r{rows + 1},3\n{rows + 2},4");

        var trace = TraceRate.Parse(new StringReader(text.ToString()), "trace.csv");

        Assert.Equal(rows + 3, trace.Points.Count);
        Assert.Equal([1.0, 2, 3, 4], trace.Points.Skip(rows - 1).Select(p => p.Rate));
    }

    private sealed class CountingReader(string text) : TextReader
    {
        public int Position { get; private set; }

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(count, text.Length - Position);
            text.CopyTo(Position, buffer, index, n);
            Position += n;
            return n;
        }
    }
}
