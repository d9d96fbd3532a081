using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Admission;

/// <summary>
/// First step of the proxy pipeline after counting: when every replica in rotation already has
/// <see cref="GatewayOptions.MaxInflightPerReplica"/> requests in flight, the request is answered 503 with
/// <c>Retry-After: 1</c> at once. Without it an overloaded gateway keeps accepting, opens a connection per waiting
/// request, and holds them all: memory grows and stays, connections to the replica time out (502), and the
/// gateway's own health endpoint waits behind the pile.
/// </summary>
internal sealed class AdmissionMiddleware(RequestDelegate next, GatewayMetrics metrics, GatewayOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var candidates = context.GetReverseProxyFeature().AvailableDestinations;
        var limit = options.MaxInflightPerReplica;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].ConcurrentRequestCount < limit)
            {
                return next(context);
            }
        }

        if (candidates.Count == 0)
        {
            return next(context); // YARP answers 503 itself, counted as no_destination
        }

        metrics.Error(ProxyErrorKind.Full);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers[HeaderNames.RetryAfter] = "1";
        return Task.CompletedTask;
    }
}
