using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Retry;

public sealed class ConnectRetryTests
{
    [Fact]
    public async Task A_get_refused_by_one_replica_is_answered_by_another()
    {
        var (live, liveUrl) = await TestHosts.StartBackendAsync("live");
        await using var _ = live;
        var (gateway, client) = await StartGatewayAsync(TestHosts.RefusingAddress(), liveUrl);
        await using var __ = gateway;
        using var ___ = client;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("live", await TestHosts.InstanceOfAsync(client));
        }

        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_retries_total"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"connect\"}"));
        Assert.Equal(10, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"200\"}"));
    }

    [Fact]
    public async Task A_post_refused_by_a_replica_is_not_retried()
    {
        var (live, liveUrl) = await TestHosts.StartBackendAsync("live");
        await using var _ = live;
        var (gateway, client) = await StartGatewayAsync(TestHosts.RefusingAddress(), liveUrl);
        await using var __ = gateway;
        using var ___ = client;

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsync("/", new StringContent("x"), TestContext.Current.CancellationToken);
            codes.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable], codes.Order());
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_retries_total"));
    }

    [Fact]
    public async Task A_replica_that_fails_after_receiving_the_request_is_not_retried_nor_taken_out()
    {
        var (dying, dyingUrl) = await TestHosts.StartBackendAsync("dying", context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        await using var _ = dying;
        var (live, liveUrl) = await TestHosts.StartBackendAsync("live");
        await using var __ = live;
        var (gateway, client) = await StartGatewayAsync(dyingUrl, liveUrl);
        await using var ___ = gateway;
        using var ____ = client;

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
            codes.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadGateway], codes.Order());
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_retries_total"));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"request\"}"));
        Assert.Equal(0, await TestHosts.MetricAsync(client, "gateway_destinations{health=\"unhealthy\"}"));
    }

    private static Task<(Microsoft.AspNetCore.Builder.WebApplication, HttpClient)> StartGatewayAsync(params Uri[] destinations) =>
        // Round robin, so two requests in a row meet both replicas; a fake clock, so nothing is reactivated meanwhile;
        // no readiness probes, which would take the refusing replica out before any request could meet it.
        TestHosts.StartGatewayAsync(
            new GatewayOptions { Destinations = [.. destinations.Select(d => d.AbsoluteUri)], LoadBalancing = GatewayLoadBalancing.RoundRobin, ProbePath = "" },
            b => b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider()));
}
