using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli;

/// <summary>Runs a verb's web host: clear errors for unusable addresses, graceful stop on Ctrl+C and SIGTERM.</summary>
internal static class HostRunner
{
    public static string[] ListenUrls(string? urls, int port)
    {
        if (!string.IsNullOrWhiteSpace(urls))
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (port is < 0 or > 65535)
        {
            throw new UsageException($"--port {port} is not a port; use 0 to 65535");
        }

        return [$"http://127.0.0.1:{port}"];
    }

    /// <summary>One line per event, with a time stamp; framework chatter only when it matters.</summary>
    public static void ConfigureLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // RunAsync reports a failed start (e.g. port in use) as one line; the host would add a stack trace before it.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>Starts the host, reports where it listens, and waits for Ctrl+C or SIGTERM.</summary>
    public static async Task<int> RunAsync(WebApplication app, string verb, IReadOnlyList<string> urls, Action<IReadOnlyList<string>> started)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (IsAddressProblem(e))
        {
            await app.DisposeAsync();
            var reason = e is AddressInUseException || e.InnerException is AddressInUseException ? "address already in use" : e.Message;
            throw new UsageException($"cannot listen on {string.Join(", ", urls)}: {reason}; choose another with --port or --urls");
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [.. urls];
        started(addresses);
        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return ExitCodes.Ok;
    }

    private static bool IsAddressProblem(Exception e) =>
        e is IOException or SocketException or InvalidOperationException or FormatException or UriFormatException
        && (e is AddressInUseException || e.InnerException is AddressInUseException or SocketException
            || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("URL", StringComparison.Ordinal) || e is FormatException or UriFormatException);
}
