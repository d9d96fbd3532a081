using System.Net;
using Microsoft.AspNetCore.Http;

namespace Autoscaler.Gateway.Tests.Health;

/// <summary>
/// A replica that stops answering while in rotation (as a SIGSTOPped process does): its readiness probe fails, it
/// leaves rotation, the GETs waiting on it are answered by another replica, and it comes back once it answers again.
/// Real hosts on real time with short probe intervals.
/// </summary>
public sealed class HungReplicaTests
{
    [Fact]
    public async Task Gets_waiting_on_a_replica_that_hangs_are_answered_by_another_and_it_returns_when_it_answers_again()
    {
        var hung = 0;
        var (stalling, stallingUrl) = await TestHosts.StartBackendAsync("stalling", async context =>
        {
            if (Volatile.Read(ref hung) == 1)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            context.Response.Headers[TestHosts.InstanceHeader] = "stalling";
            await context.Response.WriteAsync("stalling");
        });
        await using var _ = stalling;
        var (live, liveUrl) = await TestHosts.StartBackendAsync("live");
        await using var __ = live;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions
        {
            Destinations = [stallingUrl.AbsoluteUri, liveUrl.AbsoluteUri],
            LoadBalancing = GatewayLoadBalancing.RoundRobin,
            ProbeInterval = TimeSpan.FromMilliseconds(300),
            ProbeTimeout = TimeSpan.FromMilliseconds(150),
        });
        await using var ___ = gateway;
        using var ____ = client;
        await TestHosts.EventuallyAsync(async () => await TestHosts.HealthAsync(client, stallingUrl) == "healthy", "the first probes");

        Volatile.Write(ref hung, 1);
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
            return (response.StatusCode, Instance: response.Headers.TryGetValues(TestHosts.InstanceHeader, out var v) ? v.Single() : null);
        }));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, "live"), a));
        Assert.Equal("unhealthy", await TestHosts.HealthAsync(client, stallingUrl));
        Assert.Equal(1, await TestHosts.MetricAsync(client, $"gateway_destination_ejections_total{{destination=\"{stallingUrl.AbsoluteUri}\",reason=\"probe\"}}"));
        var ejected = await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"ejected\"}");
        Assert.InRange(ejected, 1, 6); // round robin sent some of the six to the stalled replica before its probe failed
        Assert.Equal(ejected, await TestHosts.MetricAsync(client, "gateway_retries_total"));

        Volatile.Write(ref hung, 0);
        await TestHosts.EventuallyAsync(async () => await TestHosts.HealthAsync(client, stallingUrl) == "healthy", "the replica to pass its probe again");
        await TestHosts.EventuallyAsync(async () => await TestHosts.InstanceOfAsync(client) == "stalling", "the replica to take requests again");
    }

    [Fact]
    public async Task A_post_waiting_on_a_replica_that_hangs_is_not_sent_twice()
    {
        var hung = 0;
        var received = 0;
        var (stalling, stallingUrl) = await TestHosts.StartBackendAsync("stalling", async context =>
        {
            if (context.Request.Method == HttpMethods.Post)
            {
                Interlocked.Increment(ref received);
            }

            if (Volatile.Read(ref hung) == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            }

            context.Response.Headers[TestHosts.InstanceHeader] = "stalling";
            await context.Response.WriteAsync("stalling");
        });
        await using var _ = stalling;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions
        {
            Destinations = [stallingUrl.AbsoluteUri, TestHosts.RefusingAddress().AbsoluteUri],
            ProbeInterval = TimeSpan.FromMilliseconds(300),
            ProbeTimeout = TimeSpan.FromMilliseconds(150),
        });
        await using var __ = gateway;
        using var ___ = client;
        await TestHosts.EventuallyAsync(async () => await TestHosts.HealthAsync(client, stallingUrl) == "healthy", "the first probes");

        Volatile.Write(ref hung, 1);
        using var response = await client.PostAsync("/", new StringContent("x"), TestContext.Current.CancellationToken);

        // The slow replica left rotation while the POST waited, but the POST was left to finish there, once.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Volatile.Read(ref received));
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_retries_total"));
    }
}
