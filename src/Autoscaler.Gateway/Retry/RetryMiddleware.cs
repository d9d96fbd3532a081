using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Retry;

/// <summary>
/// Sits in the proxy pipeline before load balancing. A GET or HEAD without a body whose response has not started is
/// sent once more, load balanced over the other replicas in rotation, when its attempt could not connect
/// (<see cref="GatewayOptions.RetryConnectFailures"/>), or timed out or was cancelled because its replica left
/// rotation while it waited (<see cref="GatewayOptions.RetryTimeouts"/>). Those methods are safe to repeat; anything
/// else that failed after it was sent is never retried, since the replica may have acted on it. Also counts every
/// attempt's error.
/// </summary>
internal sealed class RetryMiddleware(RequestDelegate next, GatewayMetrics metrics, GatewayOptions options)
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

        var kind = ProxyErrors.Classify(error, context.RequestAborted.IsCancellationRequested);
        metrics.Error(kind);
        try
        {
            await RetryAsync(context, proxy, candidates, kind);
        }
        finally
        {
            // No replica took the request (none accepted a connection): it never reached one, so it is unavailability,
            // not a bad answer from upstream; 503 with Retry-After tells a client it may simply try again.
            if (!context.Response.HasStarted && context.Features.Get<IForwarderErrorFeature>() is { } last
                && ProxyErrors.Classify(last, context.RequestAborted.IsCancellationRequested) == ProxyErrorKind.Connect)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers[HeaderNames.RetryAfter] = "1";
            }
        }
    }

    private async Task RetryAsync(HttpContext context, IReverseProxyFeature proxy, IReadOnlyList<DestinationState> candidates, ProxyErrorKind kind)
    {
        var wanted = kind switch
        {
            ProxyErrorKind.Connect => options.RetryConnectFailures,
            ProxyErrorKind.Timeout or ProxyErrorKind.Ejected => options.RetryTimeouts,
            _ => false,
        };
        if (!wanted || !CanRetry(context) || proxy.ProxiedDestination is not { } failed)
        {
            return;
        }

        var others = new List<DestinationState>(candidates.Count);
        foreach (var d in candidates)
        {
            if (d != failed && d.Health.Passive != DestinationHealth.Unhealthy && d.Health.Active != DestinationHealth.Unhealthy)
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
            metrics.Error(ProxyErrors.Classify(second, context.RequestAborted.IsCancellationRequested));
        }
    }

    /// <summary>Whether a request may be forwarded a second time: a GET or HEAD without a body, nothing answered yet.</summary>
    public static bool CanRetry(HttpContext context) =>
        IsRepeatable(context) && !context.Response.HasStarted;

    /// <summary>A GET or HEAD without a body: sending it twice cannot do anything twice.</summary>
    public static bool IsRepeatable(HttpContext context) =>
        (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        && context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true };
}
