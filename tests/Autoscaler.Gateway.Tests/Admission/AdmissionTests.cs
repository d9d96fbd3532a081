using System.Net;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class AdmissionTests
{
    [Fact]
    public async Task When_every_replica_has_its_limit_in_flight_a_request_is_answered_503_at_once_with_retry_after()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (busy, busyUrl) = await TestHosts.StartBackendAsync("busy", async context =>
        {
            await release.Task;
            context.Response.Headers[TestHosts.InstanceHeader] = "busy";
        });
        await using var _ = busy;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [busyUrl.AbsoluteUri], MaxInflightPerReplica = 2, ProbePath = "" });
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

    private static async Task<double> InflightAsync(HttpClient client)
    {
        var json = await client.GetStringAsync(GatewayHost.DestinationsPath, TestContext.Current.CancellationToken);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Sum(d => d.GetProperty("inflight").GetInt32());
    }
}
