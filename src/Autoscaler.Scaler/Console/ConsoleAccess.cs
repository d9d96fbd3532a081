using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Autoscaler.Scaler.Console;

/// <summary>
/// Who may read what the console shows. On loopback everything read-only is open. When the scaler listens on any other
/// address, every GET of data (<c>/api/…</c>, <c>/reports/…</c>) needs the API token, unless <c>--console-public</c>; the
/// shell and its scripts hold no data and stay open, so a browser can load them and then ask for the token. Probes
/// and scrapes (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>) are never gated, and every action checks the token
/// itself. With <c>--no-console</c> the pages answer 404 and the API stays.
/// </summary>
internal sealed class ConsoleAccess(ScalerOptions options, IServer server)
{
    private bool? _beyondLoopback;

    /// <summary>Whether the scaler listens on an address other than loopback (read once the server has started).</summary>
    public bool BeyondLoopback => _beyondLoopback ??= Addresses().Any(a => !IsLoopback(a));

    /// <summary>The middleware: refuses what the rules above refuse, passes the rest on.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var refusal = Check(context);
        if (refusal is null)
        {
            await next(context);
            return;
        }

        await refusal.ExecuteAsync(context);
    }

    private IResult? Check(HttpContext context)
    {
        var path = context.Request.Path;
        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            return null;
        }

        if (ConsoleRoutes.IsPage(path))
        {
            return options.Console ? null : Results.Text(
                "the web console is off (--no-console); the API still answers under /api/v1/", statusCode: StatusCodes.Status404NotFound);
        }

        if (!IsData(path) || options.ConsolePublic || !BeyondLoopback)
        {
            return null;
        }

        if (options.ApiToken is not { Length: > 0 } token)
        {
            return Results.Text(
                "this scaler listens beyond loopback, so reading its API needs the API token: start it with --api-token (or --api-token-file), or with --console-public to leave reading open",
                statusCode: StatusCodes.Status403Forbidden);
        }

        return BearerToken.Challenge(context, token, "Scaler:ApiToken");
    }

    private static bool IsData(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/reports", StringComparison.Ordinal);

    private IEnumerable<string> Addresses() =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];

    // "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080" are loopback; "http://0.0.0.0:8080", "http://+:80",
    // "http://*:80" and a host's own address are not.
    internal static bool IsLoopback(string address)
    {
        var host = address;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        if (host.StartsWith('['))
        {
            host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        }
        else if (host.LastIndexOf(':') is var colon and >= 0)
        {
            host = host[..colon];
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
