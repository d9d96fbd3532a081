using System.Net;

namespace Autoscaler.Gateway.Tests.Destinations;

/// <summary>The in-process API, as a local scaling target would use it, against the real proxy.</summary>
public sealed class GatewayDestinationsApiTests
{
    [Fact]
    public async Task Destinations_set_through_the_api_receive_the_traffic()
    {
        var (one, oneUrl) = await TestHosts.StartBackendAsync("one");
        await using var _ = one;
        var (two, twoUrl) = await TestHosts.StartBackendAsync("two");
        await using var __ = two;
        // Without readiness probes, a replica's health stays unknown until a request says otherwise.
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { ProbePath = "" });
        await using var ___ = gateway;
        using var ____ = client;
        var destinations = gateway.Destinations();

        using (var none = await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, none.StatusCode);
        }

        destinations.Add(oneUrl);
        await TestHosts.EventuallyAsync(async () => await TestHosts.InstanceOfAsync(client) == "one", "replica one to answer");

        destinations.Set([twoUrl]);
        await TestHosts.EventuallyAsync(async () => await TestHosts.InstanceOfAsync(client) == "two", "replica two to answer");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("two", await TestHosts.InstanceOfAsync(client));
        }

        Assert.Equal([twoUrl.AbsoluteUri], destinations.Current.Select(u => u.AbsoluteUri));
        var listed = await client.GetStringAsync(GatewayHost.DestinationsPath, TestContext.Current.CancellationToken);
        Assert.Equal($$"""[{"address":"{{twoUrl.AbsoluteUri}}","health":"unknown","inflight":0}]""", listed);
    }

    [Fact]
    public async Task The_gateway_serves_its_own_endpoints_instead_of_proxying_them()
    {
        var (backend, url) = await TestHosts.StartBackendAsync("backend");
        await using var _ = backend;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [url.AbsoluteUri], ProbePath = "" });
        await using var __ = gateway;
        using var ___ = client;

        Assert.Equal("backend", await TestHosts.InstanceOfAsync(client, "/some/path?x=1"));
        Assert.Equal("ok", await client.GetStringAsync(GatewayHost.HealthPath, TestContext.Current.CancellationToken));
        var metrics = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("gateway_requests_total{code=\"200\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"gateway_destination_inflight{{destination=\"{url.AbsoluteUri}\"}} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("gateway_destinations{health=\"unknown\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("\nprocess_cpu_seconds_total ", metrics, StringComparison.Ordinal);
        Assert.Contains("\ndotnet_total_memory_bytes ", metrics, StringComparison.Ordinal);
        Assert.Null(await TestHosts.InstanceOfAsync(client, "/metrics"));
    }
}
