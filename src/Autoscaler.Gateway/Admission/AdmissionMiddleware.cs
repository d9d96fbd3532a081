using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Admission;

/// <summary>
/// First step of the proxy pipeline after counting: when every replica in rotation already has
/// <see cref="GatewayOptions.MaxInflightPerReplica"/> requests in flight, the request waits in the
/// <see cref="HoldQueue"/> (at most <see cref="GatewayOptions.HoldLimit"/> of them, each at most
/// <see cref="GatewayOptions.HoldTimeout"/>) for a slot, and only then, or when the queue is full, is answered 503 with
/// <c>Retry-After: 1</c>. Without a bound an overloaded gateway keeps accepting, opens a connection per waiting
/// request, and holds them all: memory grows and stays, connections to the replica time out (502), and the
/// gateway's own health endpoint waits behind the pile. Without the hold a step in load loses every request beyond
/// the replicas' queues for the seconds a new replica takes to be asked for and to start.
/// </summary>
internal sealed class AdmissionMiddleware(RequestDelegate next, GatewayMetrics metrics, HoldQueue hold)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        if (proxy.AvailableDestinations.Count == 0)
        {
            await next(context); // YARP answers 503 itself, counted as no_destination
            return;
        }

        var outcome = await hold.EnterAsync(context.RequestAborted);
        metrics.Hold(outcome);
        switch (outcome)
        {
            case HoldOutcome.Admitted or HoldOutcome.Released:
                if (outcome == HoldOutcome.Released && proxy.Route.Cluster is { } cluster)
                {
                    // The replicas in rotation when the request arrived may not be those now: a new one is why it was released.
                    proxy.AvailableDestinations = cluster.DestinationsState.AvailableDestinations;
                }

                try
                {
                    await next(context);
                }
                finally
                {
                    hold.Exit();
                }

                return;
            case HoldOutcome.Abandoned:
                context.Response.StatusCode = RequestCountingMiddleware.ClientClosedRequest;
                return;
            default:
                metrics.Error(ProxyErrorKind.Full);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers[HeaderNames.RetryAfter] = "1";
                return;
        }
    }
}
