using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Retry;

/// <summary>
/// Sits in the proxy pipeline before load balancing. When an attempt could not even connect, a GET or
/// HEAD without a body whose response has not started is sent once more, load balanced over the other
/// available replicas. Failures after the request was sent are never retried: the replica may have
/// acted on it. Also counts every attempt's error.
/// </summary>
internal sealed class ConnectRetryMiddleware(RequestDelegate next, GatewayMetrics metrics, GatewayOptions options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        await next(context);

        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null)
        {
            return;
        }

        var kind = ProxyErrors.Classify(error);
        metrics.Error(kind);
        if (kind != ProxyErrorKind.Connect || !options.RetryConnectFailures || !CanRetry(context) || proxy.ProxiedDestination is not { } failed)
        {
            return;
        }

        var others = new List<DestinationState>(candidates.Count);
        foreach (var d in candidates)
        {
            if (d != failed && d.Health.Passive != DestinationHealth.Unhealthy)
            {
                others.Add(d);
            }
        }

        if (others.Count == 0)
        {
            return;
        }

        // Undo what the failed attempt left behind, so the second one starts clean.
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        proxy.AvailableDestinations = others;
        proxy.ProxiedDestination = null;
        metrics.Retry();
        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is { } second)
        {
            metrics.Error(ProxyErrors.Classify(second));
        }
    }

    private static bool CanRetry(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && !context.Response.HasStarted
        && context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true };
}
