using System.Net.Sockets;

namespace Autoscaler.Cli.Load;

/// <summary>Names of the ways a request can fail, as they appear in the summary and the JSON.</summary>
internal static class FailureKinds
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string Other = "other";
    public const string ClientOverloaded = "client_overloaded";
    public const string Cancelled = "cancelled";

    private static readonly string[] StatusNames = [.. Enumerable.Range(0, 600).Select(code => $"http_{code}")];

    /// <summary><c>http_503</c> and the like, without allocating on the hot path.</summary>
    public static string ForStatus(int code) => code is >= 0 and < 600 ? StatusNames[code] : $"http_{code}";

    /// <summary>Sorts an exception from a request: timeout, connection (refused or reset), cancelled by us, or other.</summary>
    public static string ForException(Exception e, bool abortedByUs)
    {
        if (e is OperationCanceledException)
        {
            // A timeout fires its cancellation token too; only an abort by us counts as cancelled.
            return abortedByUs ? Cancelled : Timeout;
        }

        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded })
            {
                return Connection;
            }

            if (inner is SocketException
                {
                    SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.ConnectionAborted
                        or SocketError.Shutdown or SocketError.HostUnreachable or SocketError.NetworkUnreachable
                })
            {
                return Connection;
            }

            if (inner is TimeoutException)
            {
                return Timeout;
            }
        }

        return Other;
    }
}
