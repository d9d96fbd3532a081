using System.Text.Json;
using System.Text.RegularExpressions;

namespace Autoscaler.IntegrationTests.Load;

public sealed partial class LoadCommandTests : IDisposable
{
    private readonly string _json = Path.Combine(Path.GetTempPath(), $"load-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_json);

    private static Task<(AutoscalerProcess Process, Uri Url)> StartTargetAsync() =>
        AutoscalerProcess.StartWebAppAsync("--workers", "64", "--service-time", "5ms", "--instance-id", "load-target");

    private JsonElement ReadSummary()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(_json));
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task Constant_rate_is_achieved_without_failures_and_names_the_replica()
    {
        var (replica, url) = await StartTargetAsync();
        await using var _ = replica;

        await using var load = AutoscalerProcess.Start("load", "--url", url.ToString(), "--rate", "200", "--duration", "5s", "--json", _json);
        var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, $"exit code {exit}; output:\n{load.Output}");
        var summary = ReadSummary();
        Assert.InRange(summary.GetProperty("achievedRate").GetDouble(), 190, 210);
        Assert.InRange(summary.GetProperty("sent").GetInt64(), 950, 1050);
        Assert.Equal(0, summary.GetProperty("failed").GetInt64());
        Assert.Equal(summary.GetProperty("sent").GetInt64(), summary.GetProperty("succeeded").GetInt64());
        Assert.Equal(summary.GetProperty("sent").GetInt64(), summary.GetProperty("replicas").GetProperty("load-target").GetInt64());
        Assert.True(summary.GetProperty("latencyMs").GetProperty("p50").GetDouble() > 0);
        Assert.Matches(@"requests\s+\d+ sent, \d+ succeeded, 0 failed", load.Output);
        Assert.Contains("load-target", load.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step_pattern_phases_show_in_the_per_second_counts()
    {
        var (replica, url) = await StartTargetAsync();
        await using var _ = replica;

        await using var load = AutoscalerProcess.Start(
            "load", "--url", url.ToString(), "--pattern", "step", "--steps", "0s=50,3s=200,6s=50", "--duration", "9s", "--json", _json);
        var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, $"exit code {exit}; output:\n{load.Output}");
        var seconds = ReadSummary().GetProperty("seconds").EnumerateArray()
            .Select(s => (Sent: s.GetProperty("sent").GetInt64(), Succeeded: s.GetProperty("succeeded").GetInt64()))
            .ToList();
        Assert.Equal(9, seconds.Count);
        var outer = seconds.Take(3).Concat(seconds.Skip(6)).Average(s => s.Succeeded);
        var middle = seconds.Skip(3).Take(3).Average(s => s.Succeeded);
        Assert.InRange(middle / outer, 3.5, 4.5);
        Assert.All(seconds.Skip(3).Take(3), s => Assert.InRange(s.Sent, 190, 210));
        Assert.All(seconds.Take(3).Concat(seconds.Skip(6)), s => Assert.InRange(s.Sent, 45, 55));
    }

    [Fact]
    public async Task A_textual_pattern_with_poisson_noise_drives_the_load()
    {
        var (replica, url) = await StartTargetAsync();
        await using var _ = replica;

        await using var load = AutoscalerProcess.Start(
            "load", "--url", url.ToString(), "--pattern", "poisson(constant(100), seed=3) + step(0s=0, 2s=50)", "--duration", "4s", "--json", _json);
        var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 0, $"exit code {exit}; output:\n{load.Output}");
        Assert.Contains("pattern poisson(constant(100), seed=3) + step(0s=0, 2s=50)", load.Output, StringComparison.Ordinal);
        var seconds = ReadSummary().GetProperty("seconds").EnumerateArray().Select(s => s.GetProperty("sent").GetInt64()).ToList();
        Assert.Equal(4, seconds.Count);
        Assert.InRange(seconds.Take(2).Average(), 70, 130); // 100 req/s with counting noise
        Assert.InRange(seconds.Skip(2).Average(), 115, 185); // plus 50 from 2 s on
    }

    [Theory]
    [InlineData("negative rate", "--rate -5", "--rate -5 is negative")]
    [InlineData("unknown pattern", "--pattern zigzag --rate 5", "--pattern 'zigzag' is not a pattern")]
    [InlineData("missing trace file", "--pattern trace --trace /nonexistent/trace.csv", "cannot read trace file '/nonexistent/trace.csv'")]
    [InlineData("flag for another pattern", "--rate 5 --steps 0s=1", "--steps does not apply to --pattern constant")]
    [InlineData("bad url", "--url localhost:8000 --rate 5", "--url 'localhost:8000' is not an http:// or https:// address")]
    [InlineData("bad textual pattern", "--pattern diurnal(max=lots)", "diurnal: max 'lots' is not a number")]
    [InlineData("misspelt textual pattern", "--pattern poisson(constnt(5))", "--pattern 'constnt' (at 9) is not a pattern; use one of constant, step")]
    [InlineData("flag with a textual pattern", "--pattern constant(5) --rate 5", "--rate does not apply to --pattern 'constant(5)'; give the parameters inside the pattern")]
    public async Task Bad_input_is_one_line_naming_the_problem_and_exit_code_2(string problem, string args, string expected)
    {
        var argv = args.Split(' ').ToList();
        if (!argv.Contains("--url"))
        {
            argv.InsertRange(0, ["--url", "http://127.0.0.1:9/"]);
        }

        await using var load = AutoscalerProcess.Start(["load", .. argv]);
        var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exit == 2, $"{problem}: exit code {exit}; output:\n{load.Output}");
        var line = Assert.Single(load.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("autoscaler load: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_trace_names_the_file_and_line()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(trace, "seconds,rps\n0,10\n5,many\n", TestContext.Current.CancellationToken);
        try
        {
            await using var load = AutoscalerProcess.Start("load", "--url", "http://127.0.0.1:9/", "--pattern", "trace", "--trace", trace);
            var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(2, exit);
            Assert.Equal($"autoscaler load: {trace} line 3: rps 'many' is not a number", load.Output.Trim());
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task Sigint_during_a_run_prints_the_summary_and_exits_130()
    {
        var (replica, url) = await StartTargetAsync();
        await using var _ = replica;

        await using var load = AutoscalerProcess.Start("load", "--url", url.ToString(), "--rate", "100", "--duration", "60s", "--json", _json);
        await load.WaitForLineAsync(ProgressPattern(), TimeSpan.FromSeconds(20));
        load.Signal(2);
        var exit = await load.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(exit == 130, $"exit code {exit}; output:\n{load.Output}");
        Assert.Matches(@"requests\s+\d+ sent, \d+ succeeded", load.Output);
        Assert.Contains("(interrupted)", load.Output, StringComparison.Ordinal);
        var summary = ReadSummary();
        Assert.True(summary.GetProperty("interrupted").GetBoolean());
        Assert.InRange(summary.GetProperty("sent").GetInt64(), 100, 3000);
        Assert.Equal(0, summary.GetProperty("unfinished").GetInt64());
    }

    [GeneratedRegex(@"^load 2s/60s")]
    private static partial Regex ProgressPattern();
}
