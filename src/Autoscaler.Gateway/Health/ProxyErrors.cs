using System.Net.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Autoscaler.Gateway.Health;

/// <summary>What went wrong with one attempt to forward a request; the <c>kind</c> label of <c>gateway_request_errors_total</c>.</summary>
internal enum ProxyErrorKind
{
    /// <summary>No connection could be opened: refused, unreachable, name not resolved, connect timeout. Nothing was sent.</summary>
    Connect,

    /// <summary>The request failed after it was sent, before response headers came (e.g. the replica died).</summary>
    Request,

    /// <summary>The replica made no progress within the activity timeout.</summary>
    Timeout,

    /// <summary>No healthy replica to send to.</summary>
    NoDestination,

    /// <summary>Every replica in rotation had <see cref="GatewayOptions.MaxInflightPerReplica"/> requests in flight; answered 503 without forwarding.</summary>
    Full,

    /// <summary>The replica failed while sending the response body.</summary>
    Response,

    /// <summary>The client went away or canceled.</summary>
    Client,

    /// <summary>The replica left rotation while the request waited on it, so the gateway cancelled the attempt (and sends a GET or HEAD to another).</summary>
    Ejected,

    /// <summary>Anything else YARP reports.</summary>
    Other,
}

internal static class ProxyErrors
{
    public static readonly ProxyErrorKind[] All = Enum.GetValues<ProxyErrorKind>();

    public static string Label(ProxyErrorKind kind) => kind switch
    {
        ProxyErrorKind.Connect => "connect",
        ProxyErrorKind.Request => "request",
        ProxyErrorKind.Timeout => "timeout",
        ProxyErrorKind.NoDestination => "no_destination",
        ProxyErrorKind.Full => "full",
        ProxyErrorKind.Response => "response",
        ProxyErrorKind.Client => "client",
        ProxyErrorKind.Ejected => "ejected",
        _ => "other",
    };

    /// <summary>Sorts a failed attempt. <paramref name="clientAborted"/>: the client's connection is gone (<c>RequestAborted</c>).</summary>
    public static ProxyErrorKind Classify(IForwarderErrorFeature error, bool clientAborted) => error.Error switch
    {
        // YARP reports an attempt given up on its ejection as a timeout (the cancellation was not its own).
        _ when error.Exception is ReplicaEjectedException && !clientAborted => ProxyErrorKind.Ejected,
        ForwarderError.Request => IsConnectFailure(error.Exception) ? ProxyErrorKind.Connect : ProxyErrorKind.Request,
        ForwarderError.RequestTimedOut => ProxyErrorKind.Timeout,
        ForwarderError.NoAvailableDestinations => ProxyErrorKind.NoDestination,
        ForwarderError.RequestBodyDestination => ProxyErrorKind.Request,
        ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination
            or ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => ProxyErrorKind.Response,
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
            or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
            or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient => ProxyErrorKind.Client,
        _ => ProxyErrorKind.Other,
    };

    /// <summary>
    /// True when the connection to the replica was never established, so the request never left the
    /// gateway and sending it elsewhere cannot run it twice.
    /// </summary>
    public static bool IsConnectFailure(Exception? exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
        // SocketsHttpHandler reports its ConnectTimeout as a cancellation wrapping a TimeoutException.
        OperationCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };
}
