using System.Net;
using System.Net.Sockets;
using Autoscaler.Gateway.Destinations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Gateway.Tests;

/// <summary>Small real Kestrel hosts on port 0: replicas that name themselves, and the gateway in front of them.</summary>
internal static class TestHosts
{
    public const string InstanceHeader = "X-Instance-Id";

    public static async Task<(WebApplication App, Uri Url)> StartBackendAsync(string name, RequestDelegate? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler ?? (context =>
        {
            context.Response.Headers[InstanceHeader] = name;
            return context.Response.WriteAsync(name);
        }));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return (app, Address(app));
    }

    public static async Task<(WebApplication App, HttpClient Client)> StartGatewayAsync(GatewayOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var app = GatewayHost.Build(options, ["http://127.0.0.1:0"], b =>
        {
            b.Logging.ClearProviders();
            configure?.Invoke(b);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return (app, new HttpClient { BaseAddress = Address(app), Timeout = TimeSpan.FromSeconds(10) });
    }

    public static IGatewayDestinations Destinations(this WebApplication gateway) => gateway.Services.GetRequiredService<IGatewayDestinations>();

    /// <summary>A loopback port nothing listens on, so connecting to it is refused at once.</summary>
    public static Uri RefusingAddress()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return new Uri($"http://127.0.0.1:{port}/");
    }

    public static async Task<string?> InstanceOfAsync(HttpClient client, string path = "/")
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        return response.Headers.TryGetValues(InstanceHeader, out var values) ? values.Single() : null;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after a generous deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(start) < TimeSpan.FromSeconds(10), $"timed out waiting for {what}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The value of one sample in the gateway's /metrics, 0 when absent.</summary>
    public static async Task<double> MetricAsync(HttpClient client, string series)
    {
        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The health the gateway's destinations endpoint gives <paramref name="destination"/> (healthy, unhealthy, unknown).</summary>
    public static async Task<string> HealthAsync(HttpClient client, Uri destination)
    {
        var json = await client.GetStringAsync(GatewayHost.DestinationsPath, TestContext.Current.CancellationToken);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray()
            .Single(d => d.GetProperty("address").GetString() == destination.AbsoluteUri)
            .GetProperty("health").GetString()!;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
