using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>The live loop end to end: real Prometheus, real replicas, the real load generator.</summary>
public sealed partial class ScaleOutAndInTests
{
    [Fact]
    public async Task Load_above_one_replica_scales_out_prometheus_follows_and_it_scales_back_in_without_a_failed_request()
    {
        // A deep queue keeps the first seconds of overload (before the second replica is up) from turning into 503s.
        await using var stack = await LiveStack.StartAsync("--replica-arg=--queue-limit", "--replica-arg=1000");
        Assert.Equal(1, await stack.CurrentReplicasAsync());

        using var dir = new TempDirectory("autoscaler-load");
        var summary = dir.File("load.json");
        // One replica serves 40 req/s (4 workers, 100 ms); 70 req/s needs two.
        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "70", "--duration", "35s", "--json", summary);

        await LiveStack.WaitForAsync(async () => await stack.CurrentReplicasAsync() >= 2, TimeSpan.FromSeconds(30), () => stack.Process.Output);

        // Prometheus scrapes exactly the replicas the gateway balances over, all of them up. Its file discovery re-reads the
        // targets on a file event or every 10 s; on a loaded machine a missed event and a slow first scrape took more than
        // 20 s once, hence a wait of several refreshes.
        Dictionary<string, string> targets = [];
        HashSet<string> destinations = [];
        await LiveStack.WaitForAsync(async () =>
        {
            destinations = await stack.GatewayDestinationsAsync();
            targets = await stack.PrometheusTargetsAsync();
            return destinations.Count >= 2 && targets.Keys.ToHashSet().SetEquals(destinations) && targets.Values.All(h => h == "up");
        }, TimeSpan.FromSeconds(45), () => $"gateway: {string.Join(',', destinations)}; prometheus: {string.Join(',', targets.Select(t => $"{t.Key}={t.Value}"))}");

        Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        await LiveStack.WaitForAsync(async () => await stack.CurrentReplicasAsync() == 1 && (await stack.GatewayDestinationsAsync()).Count == 1,
            TimeSpan.FromSeconds(60), () => stack.Process.Output);

        var result = JsonDocument.Parse(await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken)).RootElement;
        Assert.True(result.GetProperty("sent").GetInt64() > 2000, "the load generator sent too little to mean anything");
        Assert.True(result.GetProperty("failed").GetInt64() == 0, $"failed requests: {result.GetProperty("failures")}");
        Assert.True(result.GetProperty("replicas").EnumerateObject().Count() >= 2, "traffic should have reached more than one replica");
        Assert.Matches(ScalingUpLine(), stack.Process.Output);
        Assert.Matches(ObservationLine(), stack.Process.Output);
    }

    [Fact]
    public async Task A_replica_killed_with_sigkill_is_replaced_and_the_sd_file_and_gateway_follow()
    {
        await using var stack = await LiveStack.StartAsync("--min-replicas", "2");
        await LiveStack.WaitForAsync(async () => (await stack.GatewayDestinationsAsync()).Count == 2, TimeSpan.FromSeconds(30), () => stack.Process.Output);
        var before = await stack.GatewayDestinationsAsync();
        var victim = before.First();
        var pid = ReplicaPid(victim.Split(':')[1]);

        Process.GetProcessById(pid).Kill();

        var sdFile = Path.Combine(stack.WorkDirectory, "replicas.json");
        HashSet<string> after = [];
        await LiveStack.WaitForAsync(async () =>
        {
            after = await stack.GatewayDestinationsAsync();
            var sd = await File.ReadAllTextAsync(sdFile);
            return after.Count == 2 && !after.Contains(victim) && !sd.Contains(victim, StringComparison.Ordinal)
                && after.All(a => sd.Contains(a, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), () => $"gateway: {string.Join(',', after)}\n{stack.Process.Output}");
        Assert.Contains("died", stack.Process.Output, StringComparison.Ordinal);
        var response = await stack.Http.GetAsync(stack.Gateway, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode);
    }

    [GeneratedRegex(@"Scaling from 1 -> 2")]
    private static partial Regex ScalingUpLine();

    [GeneratedRegex(@"avg_rt=\d+(\.\d+)? current_replicas=\d+")]
    private static partial Regex ObservationLine();

    /// <summary>The pid of the replica process listening on <paramref name="port"/>, from its command line.</summary>
    private static int ReplicaPid(string port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var i = Array.IndexOf(args, "webapp");
                if (i >= 0 && args.Skip(i).SkipWhile(a => a != "--port").Skip(1).FirstOrDefault() == port)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
        }

        throw new InvalidOperationException($"no replica process on port {port}");
    }
}
