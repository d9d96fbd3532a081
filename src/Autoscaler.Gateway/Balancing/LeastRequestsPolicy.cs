using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Balancing;

/// <summary>
/// Least requests in flight, ties broken at random. YARP's own policy takes the first of the tied
/// replicas, so at light load (all idle) every request lands on the same replica while the others
/// report a response time of 0, which drags the scaler's average down.
/// </summary>
internal sealed class LeastRequestsPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "Autoscaler.LeastRequests";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        DestinationState? best = null;
        var least = int.MaxValue;
        var ties = 0;
        for (var i = 0; i < availableDestinations.Count; i++)
        {
            var destination = availableDestinations[i];
            var inflight = destination.ConcurrentRequestCount;
            if (inflight < least)
            {
                least = inflight;
                best = destination;
                ties = 1;
            }
            else if (inflight == least && Random.Shared.Next(++ties) == 0)
            {
                // Reservoir sampling: each of the tied replicas ends up chosen with the same chance.
                best = destination;
            }
        }

        return best;
    }
}
