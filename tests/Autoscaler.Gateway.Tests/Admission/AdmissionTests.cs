using System.Net;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class AdmissionTests
{
    [Fact]
    public async Task With_the_hold_off_a_request_is_answered_503_at_once_with_retry_after_when_every_replica_has_its_limit_in_flight()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (busy, busyUrl) = await StartBusyAsync(release.Task);
        await using var _ = busy;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [busyUrl.AbsoluteUri], MaxInflightPerReplica = 2, HoldLimit = 0, ProbePath = "" });
        await using var __ = gateway;
        using var ___ = client;

        var held = new[] { client.GetAsync("/", TestContext.Current.CancellationToken), client.GetAsync("/", TestContext.Current.CancellationToken) };
        await TestHosts.EventuallyAsync(async () => await InflightAsync(client) == 2, "two requests in flight");

        var started = TimeProvider.System.GetTimestamp();
        using (var refused = await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(2), "the 503 should not wait for a replica");
        release.SetResult();
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"full\"}"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"503\"}"));
        Assert.Equal("busy", await TestHosts.InstanceOfAsync(client)); // room again
    }

    [Fact]
    public async Task A_held_request_goes_to_the_replica_that_enters_rotation_and_one_beyond_the_hold_is_answered_503_at_once()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (busy, busyUrl) = await StartBusyAsync(release.Task);
        await using var _ = busy;
        var (added, addedUrl) = await TestHosts.StartBackendAsync("added");
        await using var __ = added;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [], MaxInflightPerReplica = 1, HoldLimit = 1, ProbePath = "" });
        await using var ___ = gateway;
        using var ____ = client;
        gateway.Destinations().Add(busyUrl);

        var first = client.GetAsync("/", TestContext.Current.CancellationToken);
        await TestHosts.EventuallyAsync(async () => await InflightAsync(client) == 1, "one request in flight");
        var held = client.GetAsync("/", TestContext.Current.CancellationToken);
        await TestHosts.EventuallyAsync(async () => await TestHosts.MetricAsync(client, "gateway_held_requests") == 1, "one request held");

        using (var dropped = await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, dropped.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), dropped.Headers.RetryAfter?.Delta);
        }

        Assert.False(held.IsCompleted);

        // The demand as it arrives: the held request and the one in flight count already, and the one turned away.
        Assert.Equal(3, await TestHosts.MetricAsync(client, "gateway_requests_received_total"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"503\"}"));
        gateway.Destinations().Add(addedUrl);
        using (var response = await held)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("added", response.Headers.GetValues(TestHosts.InstanceHeader).Single());
        }

        Assert.False(first.IsCompleted); // the held request did not wait for the busy replica
        release.SetResult();
        (await first).Dispose();
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_held_requests_total"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_hold_outcomes_total{outcome=\"released\"}"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_hold_outcomes_total{outcome=\"dropped\"}"));
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_held_requests"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"full\"}"));
    }

    [Fact]
    public async Task A_held_request_whose_replica_frees_a_slot_is_served_by_it()
    {
        var calls = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (busy, busyUrl) = await TestHosts.StartBackendAsync("busy", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await release.Task;
            }
        });
        await using var _ = busy;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [busyUrl.AbsoluteUri], MaxInflightPerReplica = 1, ProbePath = "" });
        await using var __ = gateway;
        using var ___ = client;

        var first = client.GetAsync("/", TestContext.Current.CancellationToken);
        await TestHosts.EventuallyAsync(async () => await InflightAsync(client) == 1, "one request in flight");
        var held = client.GetAsync("/", TestContext.Current.CancellationToken);
        await TestHosts.EventuallyAsync(async () => await TestHosts.MetricAsync(client, "gateway_held_requests") == 1, "one request held");
        Assert.Equal(1, Volatile.Read(ref calls)); // not sent on to the replica beyond its limit

        release.SetResult();

        using var firstResponse = await first;
        using var heldResponse = await held;
        Assert.Equal(HttpStatusCode.OK, heldResponse.StatusCode);
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"503\"}"));
    }

    /// <summary>A replica that answers no request before <paramref name="release"/> completes.</summary>
    private static Task<(Microsoft.AspNetCore.Builder.WebApplication App, Uri Url)> StartBusyAsync(Task release) =>
        TestHosts.StartBackendAsync("busy", async context =>
        {
            await release;
            context.Response.Headers[TestHosts.InstanceHeader] = "busy";
        });

    private static async Task<double> InflightAsync(HttpClient client)
    {
        var json = await client.GetStringAsync(GatewayHost.DestinationsPath, TestContext.Current.CancellationToken);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Sum(d => d.GetProperty("inflight").GetInt32());
    }
}
