using System.Net;
using Autoscaler.Gateway.Admission;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class OverloadSignalTests
{
    [Fact]
    public async Task A_replicas_503_raises_rejected_once_per_request_and_a_200_does_not()
    {
        var full = true;
        var (replica, url) = await TestHosts.StartBackendAsync("replica", context =>
        {
            context.Response.StatusCode = Volatile.Read(ref full) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        await using var _ = replica;
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [url.AbsoluteUri], ProbePath = "" });
        await using var __ = gateway;
        using var ___ = client;
        var rejected = 0;
        gateway.Services.GetRequiredService<IGatewayOverload>().Rejected += (_, _) => Interlocked.Increment(ref rejected);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Volatile.Write(ref full, false);
        using (var ok = await client.GetAsync("/", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Assert.Equal(3, Volatile.Read(ref rejected));
    }

    [Fact]
    public async Task A_request_with_no_replica_to_take_it_raises_rejected()
    {
        var (gateway, client) = await TestHosts.StartGatewayAsync(new GatewayOptions { Destinations = [TestHosts.RefusingAddress().AbsoluteUri], ProbePath = "" });
        await using var _ = gateway;
        using var __ = client;
        var rejected = 0;
        gateway.Services.GetRequiredService<IGatewayOverload>().Rejected += (_, _) => Interlocked.Increment(ref rejected);

        using var response = await client.GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, Volatile.Read(ref rejected));
    }
}
