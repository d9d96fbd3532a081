using Autoscaler.Gateway.Balancing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Tests.Balancing;

public sealed class LeastRequestsPolicyTests
{
    private readonly LeastRequestsPolicy _policy = new();
    private readonly ClusterState _cluster = new("replicas");

    [Fact]
    public void The_replica_with_fewest_requests_in_flight_is_picked()
    {
        DestinationState[] destinations = [With("a", 3), With("b", 1), With("c", 2)];

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("b", _policy.PickDestination(new DefaultHttpContext(), _cluster, destinations)!.DestinationId);
        }
    }

    [Fact]
    public void Idle_replicas_share_the_traffic()
    {
        DestinationState[] destinations = [With("a", 0), With("b", 0), With("c", 0), With("busy", 1)];

        var picks = Enumerable.Range(0, 3000)
            .Select(_ => _policy.PickDestination(new DefaultHttpContext(), _cluster, destinations)!.DestinationId)
            .GroupBy(id => id)
            .ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(["a", "b", "c"], picks.Keys.Order());
        Assert.All(picks.Values, count => Assert.InRange(count, 800, 1200));
    }

    [Fact]
    public void No_destination_gives_none()
    {
        Assert.Null(_policy.PickDestination(new DefaultHttpContext(), _cluster, []));
    }

    private static DestinationState With(string id, int inflight) => new(id) { ConcurrentRequestCount = inflight };
}
