using Autoscaler.Gateway.Admission;
using Autoscaler.Gateway.Health;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Autoscaler.Gateway.Telemetry;

/// <summary>
/// Outermost step of the proxy pipeline: counts each proxied request once, by the status code the client got. A
/// request the client abandoned before its answer is counted as 499 (nginx's "client closed request"), not as the
/// 400 YARP sets: nobody received it, and it is not a bad request. A 503 is also signalled as overload.
/// </summary>
internal sealed class RequestCountingMiddleware(RequestDelegate next, GatewayMetrics metrics, OverloadSignal overload)
{
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        metrics.Received();
        try
        {
            await next(context);
        }
        finally
        {
            var code = context.Features.Get<IForwarderErrorFeature>() is { } error
                && ProxyErrors.Classify(error, context.RequestAborted.IsCancellationRequested) == ProxyErrorKind.Client
                    ? ClientClosedRequest
                    : context.Response.StatusCode;
            metrics.Completed(code);
            if (code == StatusCodes.Status503ServiceUnavailable)
            {
                overload.Raise();
            }
        }
    }
}
