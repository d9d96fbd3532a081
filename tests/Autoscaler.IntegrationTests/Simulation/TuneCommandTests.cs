using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Simulation;

/// <summary><c>autoscaler tune</c> as a user runs it (issue 16): the real binary, real files.</summary>
public sealed class TuneCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _dir = new("autoscaler-tune");

    public void Dispose() => _dir.Dispose();

    private static string Policy => Path.Combine(RepositoryRoot.Path, "deploy", "policies", "hpa-request-rate.yaml");

    // Three hours of a wave between 40 and 300 req/s with arrival noise, on the demo's service.
    private async Task<string> ScenarioAsync()
    {
        var path = _dir.File("wave.yaml");
        await File.WriteAllTextAsync(path, """
            duration: 3h
            seed: 4
            workload: {type: poisson, of: {type: sine, mean: 170, amplitude: 130, period: 1h}}
            service: {workers: 4, serviceTime: 100ms, queueLimit: 100, startupDelay: 5s, drainTime: 30s}
            observation: {scrapeInterval: 5s, noise: 0.02}
            slo: {latency: 300ms, statistic: mean, maxErrorRate: 0.01}
            replicas: {min: 1, max: 12, initial: 2}
            """, TestContext.Current.CancellationToken);
        return path;
    }

    private async Task<string> RaisedPolicyAsync()
    {
        var path = _dir.File("policy.yaml");
        var text = await File.ReadAllTextAsync(Policy, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(path, text.Replace("maxReplicas: 6", "maxReplicas: 12", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        return path;
    }

    private static async Task<AutoscalerProcess> RunAsync(int expected, params string[] args)
    {
        var process = AutoscalerProcess.Start(["tune", .. args]);
        var exit = await process.WaitForExitAsync(Deadline);
        Assert.True(exit == expected, $"exit {exit}, expected {expected}:\n{process.Output}");
        return process;
    }

    [Fact]
    public async Task A_run_writes_the_tuned_policy_its_export_the_front_and_the_report_and_the_same_seed_writes_the_same_best_yaml()
    {
        var scenario = await ScenarioAsync();
        var policy = await RaisedPolicyAsync();

        await using var first = await RunAsync(0, scenario, "--policy", policy, "--candidates", "16", "--seed", "3", "--export", "hpa", "--output", _dir.File("a"));
        await using var again = await RunAsync(0, scenario, "--policy", policy, "--candidates", "16", "--seed", "3", "--output", _dir.File("b"));

        foreach (var file in new[] { "best.yaml", "best-hpa.yaml", "pareto.csv", "pareto.png", "summary.json", "report.html" })
        {
            Assert.True(File.Exists(_dir.File(Path.Combine("a", file))), $"{file} not written:\n{first.Output}");
        }

        Assert.Equal(await File.ReadAllBytesAsync(_dir.File("a/best.yaml"), TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(_dir.File("b/best.yaml"), TestContext.Current.CancellationToken));

        // The console: the held part's scores of both policies and which one is kept.
        Assert.Contains("held part", first.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^original\s+\d\.\d{3}", first.StandardOutput);
        Assert.Matches(@"(?m)^tuned\s+\d\.\d{3}", first.StandardOutput);
        Assert.Matches(@"(?m)^(tuned policy kept|original kept)", first.StandardOutput);

        // What summary.json says is what best.yaml holds, and both files validate as policies.
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(_dir.File("a/summary.json"), TestContext.Current.CancellationToken));
        var kept = summary.RootElement.GetProperty("kept").GetString();
        var best = await File.ReadAllTextAsync(_dir.File("a/best.yaml"), TestContext.Current.CancellationToken);
        Assert.Contains(kept == "tuned" ? "# tuned policy kept" : "# original kept", best, StringComparison.Ordinal);
        foreach (var file in new[] { "a/best.yaml", "a/best-hpa.yaml" })
        {
            await using var validate = AutoscalerProcess.Start("validate", _dir.File(file));
            Assert.True(await validate.WaitForExitAsync(Deadline) == 0, validate.Output);
        }

        var pareto = await File.ReadAllLinesAsync(_dir.File("a/pareto.csv"), TestContext.Current.CancellationToken);
        Assert.StartsWith("candidate,on_front,original,best,", pareto[0], StringComparison.Ordinal);
        Assert.Equal(summary.RootElement.GetProperty("candidates").GetInt32(), pareto.Length - 1);
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["--param", "metrics[rps].target.nope=1..2"], "--param metrics[rps].target.nope=1..2: 'metrics[rps].target.nope' is not a tunable field of this policy" },
        { ["--param", "metrics[rps].target.value=..40"], "--param metrics[rps].target.value=..40: the range of 'metrics[rps].target.value' is empty" },
        { ["--max-violation", "150%"], "--max-violation 150% must be between 0 and 100 %" },
        { ["--validate-fraction", "1"], "--validate-fraction 1 must be above 0 and below 1" },
        { ["--candidates", "0"], "--candidates 0 must be between 1 and 10,000" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_one_line_naming_it_exit_2_and_nothing_written(string[] flags, string message)
    {
        var scenario = await ScenarioAsync();

        await using var tune = await RunAsync(2, [scenario, "--policy", Policy, "--output", _dir.File("out"), .. flags]);

        var line = Assert.Single(tune.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("autoscaler tune: " + message, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task A_query_the_simulator_cannot_bind_is_refused_before_the_search()
    {
        var scenario = await ScenarioAsync();
        var policy = _dir.File("odd.yaml");
        await File.WriteAllTextAsync(policy, """
            maxReplicas: 12
            metrics:
              - name: odd
                query: sum(some_metric_we_do_not_know)
                target: {value: 5, type: AverageValue}
            """, TestContext.Current.CancellationToken);

        await using var tune = await RunAsync(2, scenario, "--policy", policy, "--output", _dir.File("out"));

        var line = Assert.Single(tune.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("autoscaler tune: policy 'odd': metric 'odd': the simulator cannot observe the query 'sum(some_metric_we_do_not_know)'", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("out")));
    }
}
