using System.Net.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Autoscaler.Gateway;

/// <summary>YARP's client to the replicas, with a bounded connect time so a silent replica fails like a refusing one.</summary>
internal sealed class GatewayHttpClientFactory(GatewayOptions options, ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = options.ConnectTimeout;
    }
}
