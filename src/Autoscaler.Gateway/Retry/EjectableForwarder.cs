using System.Net.Http;
using Autoscaler.Gateway.Health;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Autoscaler.Gateway.Retry;

/// <summary>
/// Wraps YARP's forwarder so a repeatable request (GET or HEAD without a body) waits for its response headers on its
/// replica's ejection token too: when the replica leaves rotation while the request waits (a stopped process answers
/// nothing until the activity timeout), the attempt ends at once and <see cref="RetryMiddleware"/> sends it to another
/// replica.
/// Other requests keep only the client's own cancellation, since the replica may be acting on them; so do all of
/// them when <see cref="GatewayOptions.RetryTimeouts"/> is off.
/// </summary>
internal sealed class EjectableForwarder(IHttpForwarder inner, DestinationEjections ejections, GatewayOptions options) : IHttpForwarder
{
    public ValueTask<ForwarderError> SendAsync(
        HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
        SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

    public ValueTask<ForwarderError> SendAsync(
        HttpContext context,
        string destinationPrefix,
        HttpMessageInvoker httpClient,
        ForwarderRequestConfig requestConfig,
        HttpTransformer transformer,
        CancellationToken cancellationToken)
    {
        if (options.RetryTimeouts
            && context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } destination
            && RetryMiddleware.IsRepeatable(context))
        {
            httpClient = ejections.InvokerFor(destination, httpClient);
        }

        return inner.SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, cancellationToken);
    }
}
