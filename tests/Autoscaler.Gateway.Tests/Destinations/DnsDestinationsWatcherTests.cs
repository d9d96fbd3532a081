using System.Net;
using System.Net.Sockets;
using Autoscaler.Gateway.Destinations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Gateway.Tests.Destinations;

public sealed class DnsDestinationsWatcherTests
{
    private static readonly Uri Fixed = new("http://127.0.0.1:9000/");
    private readonly FakeTimeProvider _time = new();
    private readonly CapturingLogger<DnsDestinationsWatcher> _log = new();
    private readonly GatewayOptions _options = new() { DestinationsDns = "webapp:8000", DnsRefreshInterval = TimeSpan.FromSeconds(2) };
    private readonly DestinationsProxyConfig _destinations;
    private Func<string, IPAddress[]> _answer = _ => [];

    public DnsDestinationsWatcherTests() =>
        _destinations = new DestinationsProxyConfig(_options, [], NullLogger<DestinationsProxyConfig>.Instance);

    [Fact]
    public async Task Localhost_resolves_through_the_system_resolver_to_a_loopback_destination()
    {
        var options = new GatewayOptions { DestinationsDns = "localhost:8123" };
        using var watcher = new DnsDestinationsWatcher(options, [], _destinations, DnsDestinationsWatcher.SystemResolver, _time, _log);

        await watcher.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["http://127.0.0.1:8123/"], Current());
    }

    [Fact]
    public async Task Start_applies_every_address_of_the_name_with_the_port_after_the_static_destinations()
    {
        _answer = _ => [IPAddress.Parse("172.18.0.5"), IPAddress.Parse("172.18.0.3"), IPAddress.Parse("fd00::3")];
        using var watcher = await StartAsync();

        Assert.Equal(["http://127.0.0.1:9000/", "http://172.18.0.3:8000/", "http://172.18.0.5:8000/"], Current());
    }

    [Fact]
    public async Task Replicas_that_appear_or_disappear_in_DNS_are_followed_on_the_next_refresh()
    {
        _answer = _ => [IPAddress.Parse("172.18.0.3")];
        using var watcher = await StartAsync();

        _answer = _ => [IPAddress.Parse("172.18.0.3"), IPAddress.Parse("172.18.0.7")];
        _time.Advance(_options.DnsRefreshInterval);
        Assert.Equal(["http://127.0.0.1:9000/", "http://172.18.0.3:8000/", "http://172.18.0.7:8000/"], Current());

        _answer = _ => [IPAddress.Parse("172.18.0.7")];
        _time.Advance(_options.DnsRefreshInterval);
        Assert.Equal(["http://127.0.0.1:9000/", "http://172.18.0.7:8000/"], Current());
    }

    [Fact]
    public async Task A_failed_lookup_is_logged_once_and_keeps_the_previous_set_until_the_name_resolves_again()
    {
        _answer = _ => [IPAddress.Parse("172.18.0.3")];
        using var watcher = await StartAsync();

        _answer = _ => throw new SocketException((int)SocketError.HostNotFound);
        _time.Advance(_options.DnsRefreshInterval);
        _time.Advance(_options.DnsRefreshInterval);

        Assert.Equal(["http://127.0.0.1:9000/", "http://172.18.0.3:8000/"], Current());
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("cannot resolve webapp", warning.Message, StringComparison.Ordinal);
        Assert.Contains("keeping the previous 2 destinations", warning.Message, StringComparison.Ordinal);

        _answer = _ => [IPAddress.Parse("172.18.0.9")];
        _time.Advance(_options.DnsRefreshInterval);

        Assert.Equal(["http://127.0.0.1:9000/", "http://172.18.0.9:8000/"], Current());
        Assert.Contains(_log.Entries, e => e.Message.Contains("webapp resolves again (1 addresses)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("webapp:8000", true)]
    [InlineData("localhost:1", true)]
    [InlineData("webapp", false)]
    [InlineData(":8000", false)]
    [InlineData("webapp:0", false)]
    [InlineData("webapp:70000", false)]
    [InlineData("http://webapp:8000", false)]
    public void Only_NAME_colon_PORT_is_accepted(string text, bool valid)
    {
        var problems = new GatewayOptionsValidator().Validate(GatewayOptions.Section, new GatewayOptions { DestinationsDns = text });

        Assert.Equal(valid, problems.Succeeded);
        if (!valid)
        {
            Assert.Contains($"Gateway:DestinationsDns = {text}: '{text}' is not NAME:PORT; use a DNS name and the replicas' port, e.g. webapp:8000", problems.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_DNS_name_and_a_destinations_file_together_are_refused()
    {
        var problems = new GatewayOptionsValidator().Validate(
            GatewayOptions.Section,
            new GatewayOptions { DestinationsDns = "webapp:8000", DestinationsFile = "/nonexistent/targets.json" });

        Assert.Contains("Gateway:DestinationsDns = webapp:8000: cannot be used together with Gateway:DestinationsFile", problems.FailureMessage, StringComparison.Ordinal);
    }

    private async Task<DnsDestinationsWatcher> StartAsync()
    {
        var watcher = new DnsDestinationsWatcher(_options, [Fixed], _destinations, (host, _) => Task.FromResult(_answer(host)), _time, _log);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        return watcher;
    }

    private string[] Current() => [.. _destinations.Current.Select(u => u.AbsoluteUri)];
}
