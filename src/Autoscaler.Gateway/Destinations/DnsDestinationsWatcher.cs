using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Gateway.Destinations;

/// <summary>Resolves a host name to its IPv4 addresses (A records).</summary>
internal delegate Task<IPAddress[]> DnsResolver(string host, CancellationToken cancellationToken);

/// <summary>
/// Follows the replicas behind a DNS name, as Docker Compose publishes them: every A record of the name is
/// a replica listening on the given port. The name is resolved at start and then every refresh interval.
/// A failed lookup (no such name, DNS unreachable) is reported once and ignored: the previous set stays in
/// force, as with an unreadable destinations file.
/// </summary>
internal sealed partial class DnsDestinationsWatcher(
    GatewayOptions options,
    IReadOnlyList<Uri> fixedDestinations,
    IGatewayDestinations destinations,
    DnsResolver resolve,
    TimeProvider time,
    ILogger<DnsDestinationsWatcher> logger) : IHostedService, IDisposable
{
    private readonly (string Host, int Port) _name = Parse(options.DestinationsDns);

    private readonly CancellationTokenSource _stopping = new();
    private int _refreshing;
    private string? _lastProblem;
    private ITimer? _timer;

    /// <summary>The system resolver, IPv4 only: Prometheus's <c>dns_sd_configs</c> of type A sees the same replicas.</summary>
    public static DnsResolver SystemResolver { get; } = (host, cancellationToken) =>
        Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken);

    /// <summary>Splits <c>NAME:PORT</c>; the reason names what is wrong when it cannot.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out string? host, out int port, [NotNullWhen(false)] out string? reason)
    {
        host = null;
        port = 0;
        reason = $"'{text}' is not NAME:PORT; use a DNS name and the replicas' port, e.g. webapp:8000";
        var colon = text?.LastIndexOf(':') ?? -1;
        if (text is null || colon <= 0 || text.Contains('/', StringComparison.Ordinal)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535
            || string.IsNullOrWhiteSpace(text[..colon]))
        {
            return false;
        }

        (host, port, reason) = (text[..colon].Trim(), number, null);
        return true;
    }

    private static (string Host, int Port) Parse(string? text) =>
        TryParse(text, out var host, out var port, out var reason) ? (host, port) : throw new ArgumentException(reason, nameof(text));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        _timer = time.CreateTimer(_ => _ = RefreshAsync(_stopping.Token), null, options.DnsRefreshInterval, options.DnsRefreshInterval);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
    }

    /// <summary>Resolves the name once and applies the result; a lookup still running is not started twice.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            IPAddress[] addresses;
            try
            {
                addresses = await resolve(_name.Host, cancellationToken);
            }
            catch (SocketException e)
            {
                Problem($"cannot resolve {_name.Host}: {e.Message}");
                return;
            }

            var found = addresses
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
                .Select(a => a.ToString())
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .Select(ip => new Uri($"http://{ip}:{_name.Port.ToString(CultureInfo.InvariantCulture)}/"))
                .ToList();
            if (found.Count == 0)
            {
                Problem($"{_name.Host} has no IPv4 address");
                return;
            }

            if (_lastProblem is not null)
            {
                LogRecovered(_name.Host, found.Count);
                _lastProblem = null;
            }

            destinations.Set(DestinationsFileWatcher.Combine(fixedDestinations, found));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogRefreshFailed(e, _name.Host);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private void Problem(string problem)
    {
        if (problem != _lastProblem)
        {
            _lastProblem = problem;
            LogLookupFailed(problem, destinations.Current.Count, options.DnsRefreshInterval);
        }
    }

    [LoggerMessage(LogLevel.Warning, "DNS destinations: {Problem}; keeping the previous {Count} destinations and trying again every {Interval}")]
    private partial void LogLookupFailed(string problem, int count, TimeSpan interval);

    [LoggerMessage(LogLevel.Information, "DNS destinations: {Host} resolves again ({Count} addresses)")]
    private partial void LogRecovered(string host, int count);

    [LoggerMessage(LogLevel.Error, "Applying the addresses of {Host} failed")]
    private partial void LogRefreshFailed(Exception e, string host);
}
