using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Simulation;

/// <summary><c>autoscaler simulate</c> as a user runs it: the real binary, real files.</summary>
public sealed partial class SimulateCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "scenarios", name);

    [GeneratedRegex(@"""wallSeconds"": [^,]+,")]
    private static partial Regex WallSeconds();

    private static async Task<string> SimulateAsync(params string[] args)
    {
        await using var process = AutoscalerProcess.Start(["simulate", .. args]);
        Assert.True(await process.WaitForExitAsync(Deadline) == 0, process.Output);
        return process.Output;
    }

    [Fact]
    public async Task The_same_scenario_and_seed_write_byte_identical_summaries_apart_from_wall_time()
    {
        using var dir = new TempDirectory("autoscaler-simulate");
        var output = await SimulateAsync(Scenario("step-up-down.yaml"), "--output", dir.File("a"));
        await SimulateAsync(Scenario("step-up-down.yaml"), "--output", dir.File("b"));

        var a = await File.ReadAllTextAsync(dir.File("a/summary.json"), TestContext.Current.CancellationToken);
        var b = await File.ReadAllTextAsync(dir.File("b/summary.json"), TestContext.Current.CancellationToken);
        Assert.Matches(WallSeconds(), a);
        Assert.Equal(WallSeconds().Replace(a, ""), WallSeconds().Replace(b, ""));
        foreach (var csv in Directory.GetFiles(dir.File("a"), "*.csv"))
        {
            Assert.Equal(await File.ReadAllBytesAsync(csv, TestContext.Current.CancellationToken),
                await File.ReadAllBytesAsync(Path.Combine(dir.File("b"), Path.GetFileName(csv)), TestContext.Current.CancellationToken));
        }

        // What summary.json promises, and the table on the console.
        using var summary = JsonDocument.Parse(a);
        Assert.True(summary.RootElement.GetProperty("wallSeconds").GetDouble() > 0);
        var policies = summary.RootElement.GetProperty("policies").EnumerateArray().ToList();
        Assert.Equal(["oracle", "threshold", "hpa", "hpa-request-rate"], policies.Select(p => p.GetProperty("policy").GetString()));
        string[] fields = ["policy", "replicaSeconds", "costRatioToOracle", "sloViolationSeconds", "sloViolationPercent", "droppedRequests", "scaleActions",
            "meanLatencySeconds", "p95LatencySeconds", "underProvisioningAccuracy", "overProvisioningAccuracy", "underProvisioningTimeshare",
            "overProvisioningTimeshare", "instability"];
        foreach (var p in policies)
        {
            Assert.All(fields, f => Assert.True(p.TryGetProperty(f, out _), $"summary.json policy item without {f}"));
        }

        Assert.Equal(1, policies[0].GetProperty("costRatioToOracle").GetDouble());
        Assert.Equal(["oracle.csv", "threshold.csv", "hpa.csv", "hpa-request-rate.csv"], policies.Select(p => $"{p.GetProperty("policy").GetString()}.csv").Where(f => File.Exists(Path.Combine(dir.File("a"), f))));
        Assert.All(policies, p => Assert.Equal(p.GetProperty("sloBreaches").GetArrayLength() == 0, p.GetProperty("meetsSlo").GetBoolean()));
        Assert.Equal(JsonValueKind.Object, policies[1].GetProperty("parameters").ValueKind);
        Assert.Matches(@"^\d+\.\d+\.\d+", summary.RootElement.GetProperty("version").GetString());

        // Redirected, the table is plain text: no escape codes, one row per policy with its verdict, the best named under it.
        Assert.DoesNotContain('\u001b', output);
        Assert.Matches(@"(?m)^policy {2,}SLO {2,}replica-h", output);
        Assert.Matches(@"(?m)^oracle {2,}bound {2,}\S+", output);
        Assert.Matches(@"(?m)^threshold {2,}(pass|FAIL|best) {2,}\S+", output);
        var best = summary.RootElement.GetProperty("best").GetString();
        Assert.Contains(best is null ? "best: none; no policy meets the SLO" : $"best: {best}, the cheapest policy that meets the SLO", output, StringComparison.Ordinal);
        Assert.Contains("simulate: done in", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_replace_the_workload_with_a_trace_the_seed_and_add_policies()
    {
        using var dir = new TempDirectory("autoscaler-simulate");
        await File.WriteAllTextAsync(dir.File("t.csv"), "seconds,rps\n0,20\n60,70\n120,20\n", TestContext.Current.CancellationToken);
        await SimulateAsync(Scenario("spike.yaml"), "--trace", dir.File("t.csv"), "--seed", "77", "--output", dir.File("out"),
            "--policy", "slo", "--policy", Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "latency-threshold.yaml"), "--violation-budget", "0.5");

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("out/summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(77, summary.RootElement.GetProperty("seed").GetInt32());
        Assert.Equal(180, summary.RootElement.GetProperty("durationSeconds").GetDouble()); // the trace's length: last row + its spacing
        Assert.Equal(["oracle", "threshold", "hpa", "hpa-request-rate", "slo", "latency-threshold"],
            summary.RootElement.GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("policy").GetString()));
        Assert.Equal(0.5, summary.RootElement.GetProperty("slo").GetProperty("violationBudget").GetDouble());

        // --time-scale 0.5 plays the same trace twice as fast: half the run.
        await SimulateAsync(Scenario("spike.yaml"), "--trace", dir.File("t.csv"), "--time-scale", "0.5", "--output", dir.File("fast"));
        using var fast = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File("fast/summary.json"), TestContext.Current.CancellationToken));
        Assert.Equal(90, fast.RootElement.GetProperty("durationSeconds").GetDouble());
    }

    public static TheoryData<string, string, string[]> BadInput() => new()
    {
        { "duration: 1h\nworkload: {type: tsunami}\n", "s.yaml:2: workload.type: 'tsunami' is not a workload; use one of", [] },
        { "duration: -5m\nworkload: {type: constant, rate: 10}\n", "s.yaml:1: duration: '-5m' must be longer than 0", [] },
        { "workload: {type: trace, file: missing.csv}\n", "s.yaml:1: workload.file: cannot read trace file", [] },
        { "workload: {type: trace, file: bad.csv}\n", "bad.csv line 3: rps 'lots' is not a number", [] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "--trace: cannot read trace file", ["--trace", "nowhere.csv"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "policy 'sometimes' is neither threshold, hpa, predictive, slo, oracle nor a policy file", ["--policy", "sometimes"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "--duration must be longer than 0s", ["--duration", "0s"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "policy 'hpa' (the built-in policy) runs already: the scenario has it (its policies: threshold, hpa;", ["--policy", "hpa"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\npolicies: []\n", "policy 'slo' (the built-in policy) is listed twice", ["--policy", "slo", "--policy", "slo"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "--violation-budget 5 must be a share of the run between 0 and 1", ["--violation-budget", "5"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "--time-scale applies to the trace given with --trace", ["--time-scale", "0.5"] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\n", "--time-scale 0 must be a number above 0", ["--trace", "bad.csv", "--time-scale", "0"] },
        { "duration: 1h\nworkload: {type: sum, of: [{type: diurnal, min: 50, max: 10}]}\n", "s.yaml:2: workload.of[0].type: diurnal: max rate 10 is below min rate 50", [] },
        { "duration: 1h\nworkload: {type: constant, rate: 10}\nslo: {latency: 50ms}\n", "slo.latency: 50ms (mean) cannot be met by any number of replicas", [] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task A_bad_scenario_or_flag_is_named_with_exit_code_2_and_nothing_is_written(string yaml, string expected, string[] flags)
    {
        using var dir = new TempDirectory("autoscaler-simulate");
        await File.WriteAllTextAsync(dir.File("s.yaml"), yaml, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(dir.File("bad.csv"), "seconds,rps\n0,10\n60,lots\n", TestContext.Current.CancellationToken);

        await using var process = AutoscalerProcess.Start(["simulate", dir.File("s.yaml"), "--output", dir.File("out"), .. flags]);
        Assert.Equal(2, await process.WaitForExitAsync(Deadline));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(expected, StringComparison.Ordinal));
        Assert.StartsWith("autoscaler simulate: ", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public async Task A_missing_scenario_file_is_named_with_exit_code_2()
    {
        await using var process = AutoscalerProcess.Start("simulate", "no-such-scenario.yaml");
        Assert.Equal(2, await process.WaitForExitAsync(Deadline));
        Assert.Equal("autoscaler simulate: no-such-scenario.yaml: cannot read the scenario: no such file", process.Output.Trim());
    }
}
