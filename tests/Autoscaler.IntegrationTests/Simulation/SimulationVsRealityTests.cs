using System.Globalization;
using System.Text.Json;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Simulation;

/// <summary>
/// One short scenario, a load step up and back down over three minutes, run for real (`autoscaler up` and
/// `autoscaler load`) and simulated (`autoscaler simulate`) with the same policy file, service model and
/// intervals: the simulator must tell the user what the live system does.
/// </summary>
public sealed class SimulationVsRealityTests(ITestOutputHelper output)
{
    private const string Steps = "0s=10,30s=70,120s=10";
    private const int DurationSeconds = 180;

    // Request rate against 25 req/s per replica: 70 req/s needs ceil(70/25) = 3 replicas, 10 req/s one.
    private const string Policy = """
        minReplicas: 1
        maxReplicas: 6
        checkInterval: 2s
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[10s]))
            target: {value: 25, type: AverageValue}
        behavior:
          scaleUp:
            stabilizationWindowSeconds: 0
            policies: [{type: Pods, value: 4, periodSeconds: 15}]
          scaleDown:
            stabilizationWindowSeconds: 20
            policies: [{type: Percent, value: 100, periodSeconds: 15}]
        """;

    [Fact]
    public async Task A_step_up_and_down_simulated_matches_the_live_run()
    {
        using var dir = new TempDirectory();
        var policy = dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policy, TestContext.Current.CancellationToken);

        var live = await RunLiveAsync(policy, dir);
        var simulated = await SimulateAsync(dir);

        output.WriteLine(Invariant($"live:      peak {live.Peak} replicas, {live.ReplicaSeconds:0} replica-seconds, mean latency {live.MeanLatency * 1000:0} ms"));
        output.WriteLine(Invariant($"simulated: peak {simulated.Peak} replicas, {simulated.ReplicaSeconds:0} replica-seconds, mean latency {simulated.MeanLatency * 1000:0} ms"));
        Assert.Equal(live.Peak, simulated.Peak);
        Assert.InRange(simulated.ReplicaSeconds / live.ReplicaSeconds, 0.85, 1.15);
        Assert.InRange(simulated.MeanLatency / live.MeanLatency, 0.75, 1.25);
    }

    private async Task<Figures> RunLiveAsync(string policy, TempDirectory dir)
    {
        // The simulator models no hold in the gateway (a full replica's queue drops, as in the model): the live stack runs
        // without it, so that both wait and drop the same way at the step (docs/simulation.md, what the model leaves out).
        await using var stack = await LiveStack.StartAsync(new Dictionary<string, string> { ["Gateway__HoldLimit"] = "0" }, "--policy", policy, "--check-interval", "2s");
        var summary = dir.File("load.json");
        await using var load = AutoscalerProcess.Start(
            "load", "--url", stack.Gateway.ToString(), "--pattern", "step", "--steps", Steps,
            "--duration", Invariant($"{DurationSeconds}s"), "--json", summary);

        // Replicas sampled once a second for the length of the run: their sum is the replica-seconds.
        var started = System.Diagnostics.Stopwatch.StartNew();
        double replicaSeconds = 0;
        var peak = 0;
        while (!load.HasExited)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            var replicas = await stack.CurrentReplicasAsync();
            replicaSeconds += replicas;
            peak = Math.Max(peak, replicas);
        }

        Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        output.WriteLine(Invariant($"live run sampled for {started.Elapsed.TotalSeconds:0} s"));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken));
        // A few requests may be rejected while one replica is overloaded, as the simulator's model drops some too.
        output.WriteLine(Invariant($"live run: {json.RootElement.GetProperty("succeeded").GetInt64()} succeeded, {json.RootElement.GetProperty("failed").GetInt64()} failed"));
        var meanMs = json.RootElement.GetProperty("latencyMs").GetProperty("mean").GetDouble();
        return new Figures(peak, replicaSeconds, meanMs / 1000);
    }

    private static async Task<Figures> SimulateAsync(TempDirectory dir)
    {
        // The live stack's settings: scrape every second, a replica ready about half a second after it starts.
        var scenario = dir.File("scenario.yaml");
        await File.WriteAllTextAsync(scenario, Invariant($$"""
            duration: {{DurationSeconds}}s
            seed: 1
            workload: {type: step, steps: "{{Steps}}"}
            service: {workers: 4, serviceTime: 100ms, distribution: exponential, queueLimit: 100, startupDelay: 1s, drainTime: 1s}
            observation: {scrapeInterval: 1s}
            slo: {latency: 500ms, statistic: mean, maxErrorRate: 0.01}
            costPerReplicaHour: 1
            replicas: {min: 1, max: 6, initial: 1}
            policies: [policy.yaml]
            """), TestContext.Current.CancellationToken);
        var outputDir = dir.File("simulation");
        await using var simulate = AutoscalerProcess.Start("simulate", scenario, "--output", outputDir);
        Assert.Equal(0, await simulate.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outputDir, "summary.json"), TestContext.Current.CancellationToken));
        var run = json.RootElement.GetProperty("policies").EnumerateArray().Single(p => p.GetProperty("policy").GetString() != "oracle");
        var csv = await File.ReadAllLinesAsync(Path.Combine(outputDir, run.GetProperty("policy").GetString() + ".csv"), TestContext.Current.CancellationToken);
        var column = Array.IndexOf(csv[0].Split(','), "ready_replicas");
        Assert.True(column >= 0, $"no ready_replicas column in {csv[0]}");
        var peak = csv.Skip(1).Max(l => int.Parse(l.Split(',')[column], CultureInfo.InvariantCulture));
        return new Figures(peak, run.GetProperty("replicaSeconds").GetDouble(), run.GetProperty("meanLatencySeconds").GetDouble());
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Figures(int Peak, double ReplicaSeconds, double MeanLatency);
}
