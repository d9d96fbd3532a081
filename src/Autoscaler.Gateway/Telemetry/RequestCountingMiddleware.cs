using Autoscaler.Gateway.Health;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Autoscaler.Gateway.Telemetry;

/// <summary>
/// Outermost step of the proxy pipeline: counts each proxied request once, by the status code the client got. A
/// request the client abandoned before its answer is counted as 499 (nginx's "client closed request"), not as the
/// 400 YARP sets: nobody received it, and it is not a bad request.
/// </summary>
internal sealed class RequestCountingMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            metrics.Completed(
                context.Features.Get<IForwarderErrorFeature>() is { } error
                && ProxyErrors.Classify(error, context.RequestAborted.IsCancellationRequested) == ProxyErrorKind.Client
                    ? ClientClosedRequest
                    : context.Response.StatusCode);
        }
    }
}
