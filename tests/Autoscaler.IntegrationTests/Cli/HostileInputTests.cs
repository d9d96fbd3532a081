using System.Diagnostics;
using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary>
/// Issue 15, finding 2, as an operator would meet it: one absurd number took the whole machine. Each reproduction is
/// now refused at once with the bound named and exit 2, or (a rate the service cannot take) simulated against an
/// oracle that stays within replicas.max.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string TraceScenario => Path.Combine(RepositoryRoot.Path, "scenarios", "trace.yaml");

    private async Task<string> TraceAsync(string rate)
    {
        var path = _dir.File($"trace-{rate}.csv");
        await File.WriteAllTextAsync(path, $"seconds,rps\n0,10\n60,{rate}\n120,10\n", TestContext.Current.CancellationToken);
        return path;
    }

    [Theory]
    [InlineData("1e308")]
    [InlineData("1e12")]
    public async Task A_trace_row_above_10M_req_s_is_refused_with_its_line_before_any_work(string rate)
    {
        // Before: 15 GB, 88 s deaf to SIGTERM and an OverflowException stack trace (1e308); a hang (1e12).
        var trace = await TraceAsync(rate);
        await using var simulate = AutoscalerProcess.Start("simulate", TraceScenario, "--trace", trace, "--output", _dir.File("out"));

        Assert.Equal(2, await simulate.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"autoscaler simulate: --trace: {trace} line 3: rps {rate} is above 10,000,000 req/s (10 M), the highest rate the tool takes", simulate.Output.Trim());
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task Load_at_1e308_req_s_is_refused_at_once()
    {
        // Before: it never stopped and ignored SIGTERM.
        await using var load = AutoscalerProcess.Start("load", "--url", "http://127.0.0.1:9/", "--rate", "1e308", "--duration", "2s");
        Assert.Equal(2, await load.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("autoscaler load: --rate 1e+308 is above 10,000,000 req/s (10 M), the highest rate the tool takes", load.Output.Trim());
    }

    [Fact]
    public async Task A_50_MB_policy_file_is_refused_in_a_moment()
    {
        // Before: exit 0 after 34-45 s and 3.2-4.4 GB (390,000 metrics).
        var path = _dir.File("big.yaml");
        await using (var file = new StreamWriter(path))
        {
            await file.WriteAsync("minReplicas: 1\nmaxReplicas: 6\nmetrics:\n");
            for (var i = 0; file.BaseStream.Length < 50L * 1024 * 1024; i++)
            {
                await file.WriteAsync($"  - name: m{i}\n    query: avg(avg_over_time(webapp_response_time_seconds[30s]))\n    threshold: {{up: 0.6, down: 0.2}}\n");
            }
        }

        var clock = Stopwatch.StartNew();
        await using var validate = AutoscalerProcess.Start("validate", path);
        Assert.Equal(2, await validate.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.StartsWith($"{path}: is {new FileInfo(path).Length:N0} bytes, more than the 1,048,576 bytes (1 MiB) a policy file may have", validate.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_10M_req_s_the_oracle_stays_within_replicas_max_and_the_time_out_of_reach_is_reported()
    {
        // Before: the oracle "needed" about 72,000 replicas with replicas.max 6, so every policy read 0.00x its cost.
        var trace = await TraceAsync("1e7");
        await using var simulate = AutoscalerProcess.Start("simulate", TraceScenario, "--trace", trace, "--output", _dir.File("out"));

        Assert.Equal(0, await simulate.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("SLO out of reach: 1m (33.3 % of the run) needs more than replicas.max 6 replicas to keep the SLO", simulate.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(_dir.File("out/summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(60, summary.RootElement.GetProperty("sloOutOfReachSeconds").GetDouble());
        foreach (var policy in summary.RootElement.GetProperty("policies").EnumerateArray())
        {
            Assert.InRange(policy.GetProperty("costRatioToOracle").GetDouble(), 0.5, 2);
        }

        Assert.Contains("SLO out of reach", await File.ReadAllTextAsync(_dir.File("out/report.html"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
