using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Health;

/// <summary>The policy together with YARP's health updater, on a fake clock: out of rotation at once, back after the period.</summary>
public sealed class ReactivationTests
{
    [Fact]
    public async Task A_refusing_destination_leaves_rotation_at_once_and_is_tried_again_after_the_reactivation_period()
    {
        var time = new FakeTimeProvider();
        var (live, liveUrl) = await TestHosts.StartBackendAsync("live");
        await using var _ = live;
        var refusing = TestHosts.RefusingAddress();
        var (gateway, client) = await TestHosts.StartGatewayAsync(
            new GatewayOptions
            {
                Destinations = [refusing.AbsoluteUri, liveUrl.AbsoluteUri],
                LoadBalancing = GatewayLoadBalancing.RoundRobin,
                ReactivationPeriod = TimeSpan.FromSeconds(5),
                ProbePath = "", // passive health alone: a probe would take the refusing replica out before any request
            },
            b => b.Services.AddSingleton<TimeProvider>(time));
        await using var __ = gateway;
        using var ___ = client;

        await AllAnsweredByLiveAsync(client, 2);
        Assert.Equal("unhealthy", await TestHosts.HealthAsync(client, refusing));
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_retries_total"));

        await AllAnsweredByLiveAsync(client, 10);
        Assert.Equal(1, await TestHosts.MetricAsync(client, "gateway_retries_total"));

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal("unhealthy", await TestHosts.HealthAsync(client, refusing));

        time.Advance(TimeSpan.FromSeconds(0.1));
        await TestHosts.EventuallyAsync(async () => await TestHosts.HealthAsync(client, refusing) == "unknown", "the destination to be reactivated");
        await AllAnsweredByLiveAsync(client, 2);
        Assert.Equal(2, await TestHosts.MetricAsync(client, "gateway_retries_total"));
        Assert.Equal("unhealthy", await TestHosts.HealthAsync(client, refusing));
    }

    [Fact]
    public async Task When_every_destination_is_out_of_rotation_all_are_tried_anyway()
    {
        var refusing = TestHosts.RefusingAddress();
        var (gateway, client) = await TestHosts.StartGatewayAsync(
            new GatewayOptions { Destinations = [refusing.AbsoluteUri], ProbePath = "" },
            b => b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider()));
        await using var _ = gateway;
        using var __ = client;

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode); // never reached a replica: unavailable, not a bad answer
            Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal("unhealthy", await TestHosts.HealthAsync(client, refusing));
        Assert.Equal(3, await TestHosts.MetricAsync(client, "gateway_request_errors_total{kind=\"connect\"}"));
        Assert.Equal(3, await TestHosts.MetricAsync(client, "gateway_requests_total{code=\"503\"}"));
    }

    private static async Task AllAnsweredByLiveAsync(HttpClient client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal("live", await TestHosts.InstanceOfAsync(client));
        }
    }
}
