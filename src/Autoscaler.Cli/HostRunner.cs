using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Autoscaler.Cli.Logging;

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

    /// <summary>One line per event as <paramref name="settings"/> ask; framework chatter only when it matters.</summary>
    public static Action<WebApplicationBuilder> ConfigureLogging(LogSettings settings) => builder =>
    {
        builder.Logging.ClearProviders();

        // A failed start is reported by RunAsync in one line; the host's own multi-line report would bury it.
        builder.Logging.AddAutoscalerConsole(settings, category => category != "Microsoft.Extensions.Hosting.Internal.Host" || _started);
    };

    private static volatile bool _started;

    /// <summary>
    /// Starts the host, reports where it listens (<paramref name="started"/>'s line: plain text, or with
    /// <c>--log-format json</c> a JSON log line, so that output stays one object per line), and waits for Ctrl+C or SIGTERM.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, string verb, IReadOnlyList<string> urls, Func<IReadOnlyList<string>, string> started, LogSettings logging)
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
        catch (Exception e)
        {
            await app.DisposeAsync();
            await Console.Error.WriteLineAsync($"autoscaler {verb}: failed to start: {e.Message}");
            return ExitCodes.Failure;
        }

        _started = true;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [.. urls];
        var line = started(addresses);
        await Console.Out.WriteLineAsync(logging.Format == LogFormat.Json
            ? LogLine.Json(TimeProvider.System.GetUtcNow(), LogLevel.Information, $"Autoscaler.Cli.{verb}", line, null, new[] { new KeyValuePair<string, object?>("Addresses", string.Join(' ', addresses)) })
            : line);
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
