using Microsoft.AspNetCore.Http;

namespace Autoscaler.Gateway.Tests.Telemetry;

public sealed class RequestCountingTests
{
    [Fact]
    public async Task A_request_the_client_abandons_is_counted_as_499_not_as_a_bad_request()
    {
        var (slow, slowUrl) = await TestHosts.StartBackendAsync("slow", async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            await context.Response.WriteAsync("late", CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await using var _ = slow;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [slowUrl.AbsoluteUri] });
        await using var __ = gateway;
        using var ___ = client;
        using var impatient = new HttpClient { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromMilliseconds(200) };

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.GetAsync("/", TestContext.Current.CancellationToken));

        await TestHosts.EventuallyAsync(async () => await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"499\"}") == 1, "the abandoned request to be counted");
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"400\"}"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"client\"}"));
    }
}
