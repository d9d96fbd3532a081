using Microsoft.AspNetCore.Http;

namespace Autoscaler.Gateway.Telemetry;

/// <summary>Outermost step of the proxy pipeline: counts each proxied request once, by the status code the client got.</summary>
internal sealed class RequestCountingMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            metrics.Completed(context.Response.StatusCode);
        }
    }
}
