using System.Net;

namespace Autoscaler.IntegrationTests.Gateway;

/// <summary>A real <c>autoscaler gateway</c> process in front of real replica processes.</summary>
public sealed class GatewayBalancingTests
{
    [Fact]
    public async Task Traffic_through_the_gateway_reaches_both_replicas()
    {
        var replicas = await GatewayFixture.StartReplicasAsync(2, "--service-time", "50ms", "--distribution", "Constant");
        await using var r1 = replicas[0].Process;
        await using var r2 = replicas[1].Process;
        var (gateway, url) = await GatewayFixture.StartGatewayAsync(
            ["--destination", replicas[0].Url.ToString(), "--destination", replicas[1].Url.ToString()]);
        await using var _ = gateway;
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        // Concurrent requests: least-requests sends each to the replica with fewer in flight.
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.GetAsync("/", TestContext.Current.CancellationToken)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var byInstance = responses.GroupBy(r => r.Headers.GetValues("X-Instance-Id").Single()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["r1", "r2"], byInstance.Keys.Order());
        Assert.All(byInstance.Values, count => Assert.InRange(count, 10, 30));
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Removing_a_replica_from_the_file_under_load_fails_no_request()
    {
        var replicas = await GatewayFixture.StartReplicasAsync(2, "--service-time", "100ms", "--distribution", "Constant");
        await using var r1 = replicas[0].Process;
        await using var r2 = replicas[1].Process;
        var directory = Directory.CreateTempSubdirectory("gateway-it-");
        try
        {
            var file = Path.Combine(directory.FullName, "webapp.json");
            GatewayFixture.WriteAtomically(file, GatewayFixture.FileSd(replicas[0].Url, replicas[1].Url));
            // Polling off: the change must be seen through the directory watch.
            var (gateway, url) = await GatewayFixture.StartGatewayAsync(
                ["--destinations-file", file],
                new Dictionary<string, string> { ["Gateway__FilePollInterval"] = "1h" });
            await using var _ = gateway;
            using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
            var load = new OpenLoopLoad(client, requestsPerSecond: 100);

            var running = load.RunAsync(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
            var removing = load.Now;
            GatewayFixture.WriteAtomically(file, GatewayFixture.FileSd(replicas[0].Url));
            await GatewayFixture.EventuallyAsync(async () => (await GatewayFixture.DestinationsAsync(client)).Count == 1, "the gateway to drop r2");
            var removed = load.Now;
            var results = await running;

            var failed = results.Where(r => !r.Ok).ToList();
            Assert.True(failed.Count == 0, $"{failed.Count} of {results.Count} requests failed:\n{string.Join('\n', failed.Take(10))}\ngateway output:\n{gateway.Output}");
            Assert.InRange(results.Count, 390, 400);
            Assert.Contains(results, r => r.Instance == "r2" && r.Sent < removing && r.Done > removing);
            Assert.All(results.Where(r => r.Sent > removed), r => Assert.Equal("r1", r.Instance));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Killing_a_replica_fails_at_most_the_requests_in_flight_and_traffic_goes_on()
    {
        var replicas = await GatewayFixture.StartReplicasAsync(2, "--service-time", "100ms", "--distribution", "Constant");
        await using var r1 = replicas[0].Process;
        await using var r2 = replicas[1].Process;
        var (gateway, url) = await GatewayFixture.StartGatewayAsync(
            ["--destination", replicas[0].Url.ToString(), "--destination", replicas[1].Url.ToString()]);
        await using var _ = gateway;
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        var load = new OpenLoopLoad(client, requestsPerSecond: 100);

        var running = load.RunAsync(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var killed = load.Now;
        r2.Signal(9);
        var results = await running;

        var inflightAtKill = results.Count(r => r.Sent <= killed && r.Done >= killed);
        var failed = results.Where(r => !r.Ok).ToList();
        var report = $"{failed.Count} failed of {results.Count}, {inflightAtKill} in flight at the kill ({killed.TotalMilliseconds:0}ms):\n{string.Join('\n', failed.Take(20))}";
        Assert.True(failed.Count <= inflightAtKill, report);
        // A request that left a few milliseconds after kill() may still have met the dying process.
        Assert.True(failed.All(r => r.Sent < killed + TimeSpan.FromMilliseconds(50)), report);
        var after = results.Where(r => r.Sent > killed + TimeSpan.FromMilliseconds(50)).ToList();
        Assert.True(after.Count > 200, report);
        Assert.All(after, r => Assert.Equal("r1", r.Instance));
        Assert.Contains(results, r => r.Instance == "r2");
        Assert.Equal("unhealthy", (await GatewayFixture.DestinationsAsync(client))[new Uri(replicas[1].Url, "/").AbsoluteUri]);
    }
}
