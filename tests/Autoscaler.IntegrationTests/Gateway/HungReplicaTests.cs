using System.Globalization;
using System.Net;
using Autoscaler.IntegrationTests.Live;

namespace Autoscaler.IntegrationTests.Gateway;

/// <summary>
/// Issue 15, item 1: a replica that hangs (SIGSTOP) while in rotation. The gateway's readiness probe takes it out,
/// the GETs waiting on it are answered by the other replica, and it comes back after SIGCONT; under <c>up</c> a
/// stand-in starts at once and the hung replica is killed after the grace period. Every test continues what it
/// stopped, whatever happens.
/// </summary>
public sealed class HungReplicaTests
{
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    [Fact]
    public async Task A_stopped_replica_costs_almost_no_request_and_returns_after_sigcont()
    {
        var replicas = await GatewayFixture.StartReplicasAsync(2, "--service-time", "50ms", "--distribution", "Constant");
        await using var r1 = replicas[0].Process;
        await using var r2 = replicas[1].Process;
        var (gateway, url) = await GatewayFixture.StartGatewayAsync(
            ["--destination", replicas[0].Url.ToString(), "--destination", replicas[1].Url.ToString(), "--probe-interval", "1s"]);
        await using var _ = gateway;
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        var r2Address = new Uri(replicas[1].Url, "/").AbsoluteUri;
        await GatewayFixture.EventuallyAsync(async () => (await GatewayFixture.DestinationsAsync(client)).Values.All(h => h == "healthy"), "both replicas to pass a probe");
        var load = new OpenLoopLoad(client, requestsPerSecond: 60);

        var running = load.RunAsync(TimeSpan.FromSeconds(14), TestContext.Current.CancellationToken);
        IReadOnlyList<LoadResult> results;
        TimeSpan stopped, continued;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            stopped = load.Now;
            r2.Signal(Sigstop);
            await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
        }
        finally
        {
            r2.Signal(Sigcont);
        }

        continued = load.Now;
        await GatewayFixture.EventuallyAsync(
            async () => (await GatewayFixture.DestinationsAsync(client))[r2Address] == "healthy", "the continued replica to pass a probe", TimeSpan.FromSeconds(5));
        var back = load.Now - continued;
        results = await running;

        var failed = results.Where(r => !r.Ok).ToList();
        var report = $"{failed.Count} of {results.Count} failed (stop at {stopped.TotalSeconds:0.0} s, continued at {continued.TotalSeconds:0.0} s, healthy again after {back.TotalSeconds:0.0} s):\n"
            + string.Join('\n', failed.Take(10)) + $"\ngateway output:\n{gateway.Output}";
        Assert.True(failed.Count <= results.Count / 100, report);
        // A few seconds after the stop, requests are answered as quickly as before it.
        var settled = results.Where(r => r.Sent > stopped + TimeSpan.FromSeconds(3) && r.Sent < continued).ToList();
        Assert.True(settled.Count > 100, report);
        var slow = settled.Where(r => !r.Ok || r.Done - r.Sent > TimeSpan.FromSeconds(2)).ToList();
        Assert.True(slow.Count == 0, $"answered late or not at all, more than 3 s after the stop:\n{string.Join('\n', slow.Take(10))}\n{report}");
        Assert.Contains(results, r => r.Instance == "r2" && r.Sent > continued + back);
        var metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var ejections = metrics.Split('\n').SingleOrDefault(l => l.StartsWith($"gateway_destination_ejections_total{{destination=\"{r2Address}\",reason=\"probe\"}} ", StringComparison.Ordinal));
        Assert.True(ejections is not null && double.Parse(ejections.Split(' ')[1], CultureInfo.InvariantCulture) >= 1, metrics);
    }

    [Fact]
    public async Task Under_up_a_stand_in_takes_the_place_of_a_stopped_replica_which_is_killed_after_the_grace_period()
    {
        await using var stack = await LiveStack.StartAsync(
            new Dictionary<string, string> { ["LocalTarget__UnhealthyGracePeriod"] = "3s" },
            "--min-replicas", "2", "--max-replicas", "2");
        await LiveStack.WaitForAsync(async () => (await stack.GatewayDestinationsAsync()).Count == 2, TimeSpan.FromSeconds(60), () => stack.Process.Output);
        var before = await stack.GatewayDestinationsAsync();
        var victimPort = int.Parse(before.First().Split(':')[1], CultureInfo.InvariantCulture);
        var victim = ReplicaPid(victimPort) ?? throw new InvalidOperationException($"no replica process on port {victimPort}");
        using var client = new HttpClient { BaseAddress = stack.Gateway, Timeout = TimeSpan.FromSeconds(10) };
        var load = new OpenLoopLoad(client, requestsPerSecond: 30);

        var running = load.RunAsync(TimeSpan.FromSeconds(12), TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Signal(victim, Sigstop);
            await LiveStack.WaitForAsync(
                async () => !IsAlive(victim) && (await stack.GatewayDestinationsAsync()) is { Count: 2 } now && !now.Contains($"127.0.0.1:{victimPort}"),
                TimeSpan.FromSeconds(30),
                () => $"the stopped replica to be killed and replaced:\n{File.ReadAllText(Path.Combine(stack.WorkDirectory, "autoscaler.log"))}");
        }
        finally
        {
            Signal(victim, Sigcont); // harmless if it was killed
        }

        var results = await running;
        var failed = results.Where(r => !r.Ok).ToList();
        Assert.True(failed.Count <= results.Count / 50, $"{failed.Count} of {results.Count} failed:\n{string.Join('\n', failed.Take(10))}");
        Assert.Equal(2, await stack.CurrentReplicasAsync());
        var log = await File.ReadAllTextAsync(Path.Combine(stack.WorkDirectory, "autoscaler.log"), TestContext.Current.CancellationToken);
        Assert.Contains($"Replica webapp-{victimPort} is unready", log, StringComparison.Ordinal);
        Assert.Contains($"Replica webapp-{victimPort} stayed unready for", log, StringComparison.Ordinal);
    }

    /// <summary>The process of the replica that <c>up</c> started on <paramref name="port"/>.</summary>
    private static int? ReplicaPid(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var at = Array.IndexOf(args, "--port");
                if (args.Contains("webapp") && at >= 0 && at + 1 < args.Length && args[at + 1] == port.ToString(CultureInfo.InvariantCulture))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('Z');

    private static void Signal(int pid, int signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
