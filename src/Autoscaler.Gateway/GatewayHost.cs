using Autoscaler.Gateway.Admission;
using Autoscaler.Gateway.Balancing;
using Autoscaler.Gateway.Destinations;
using Autoscaler.Gateway.Health;
using Autoscaler.Gateway.Retry;
using Autoscaler.Gateway.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Autoscaler.Gateway;

/// <summary>
/// Builds the gateway: a YARP reverse proxy over the live replica set, with its own <c>/metrics</c>,
/// <c>/gateway/healthz</c> and <c>/gateway/destinations</c>; every other path is proxied.
/// </summary>
public static class GatewayHost
{
    /// <summary>Path of the gateway's liveness check.</summary>
    public const string HealthPath = "/gateway/healthz";

    /// <summary>Path of the JSON list of replicas with their health and requests in flight.</summary>
    public const string DestinationsPath = "/gateway/destinations";

    /// <summary>Builds the gateway listening on <paramref name="urls"/>; nothing is started yet.</summary>
    /// <param name="options">Validated options (see <see cref="GatewayOptionsValidator"/>).</param>
    /// <param name="urls">Addresses to listen on, e.g. <c>http://127.0.0.1:8000</c>.</param>
    /// <param name="configure">Last say on the builder (logging, a fake clock in tests).</param>
    /// <exception cref="InvalidOperationException">A destination or the destinations file is unusable.</exception>
    public static WebApplication Build(GatewayOptions options, IEnumerable<string> urls, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new GatewayOptionsValidator().Validate(GatewayOptions.Section, options);
        if (problems.Failed)
        {
            throw new InvalidOperationException("invalid gateway options: " + problems.FailureMessage);
        }

        var fixedDestinations = options.Destinations.Select(d => DestinationAddress.Require(new Uri(d), nameof(options))).ToList();
        var fromFile = string.IsNullOrWhiteSpace(options.DestinationsFile) ? [] : DestinationsFile.Read(options.DestinationsFile);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "autoscaler-gateway",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        // Run each request's pipeline on the socket's own I/O thread instead of queueing it to the thread pool: a proxy
        // does little work per request and spends its time in thread hops (bench/gateway: 5-20 % less CPU per request
        // on 2 cores). Safe here because nothing on the gateway's request path blocks; it is "unsafe" only for code that does.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp => new DestinationsProxyConfig(
            options,
            DestinationsFileWatcher.Combine(fixedDestinations, fromFile),
            sp.GetRequiredService<ILogger<DestinationsProxyConfig>>(),
            removed => sp.GetRequiredService<DestinationEjections>().Withdrawn(removed)));
        builder.Services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<DestinationsProxyConfig>());
        builder.Services.AddSingleton<IGatewayDestinations>(sp => sp.GetRequiredService<DestinationsProxyConfig>());
        builder.Services.AddReverseProxy();
        // YARP asks for data protection (session affinity, unused here); keep it in memory instead of writing keys to disk.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddSingleton<DestinationEjections>();
        builder.Services.AddSingleton<IGatewayHealth>(sp => sp.GetRequiredService<DestinationEjections>());
        builder.Services.AddSingleton<OverloadSignal>();
        builder.Services.AddSingleton<IGatewayOverload>(sp => sp.GetRequiredService<OverloadSignal>());
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, FailureWindowPolicy>();
        builder.Services.AddSingleton<IActiveHealthCheckPolicy, ProbePolicy>();
        DecorateForwarder(builder.Services);
        builder.Services.AddSingleton<ILoadBalancingPolicy, LeastRequestsPolicy>();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, GatewayHttpClientFactory>();
        builder.Services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>));
        builder.Services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<GatewayMetrics>();
            var overload = sp.GetRequiredService<OverloadSignal>();
            var state = sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
            return new HoldQueue(
                () => state.TryGetCluster(DestinationsProxyConfig.ClusterId, out var cluster)
                    ? options.MaxInflightPerReplica * cluster.DestinationsState.AvailableDestinations.Count
                    : 0,
                options.HoldLimit,
                options.HoldTimeout,
                sp.GetRequiredService<TimeProvider>(),
                () =>
                {
                    metrics.Holding();
                    overload.Raise(); // a held request is as much a sign of too few replicas as a 503, and comes seconds earlier
                });
        });
        builder.Services.AddHostedService(sp => new MemoryAfterOverload(
            sp.GetRequiredService<IGatewayOverload>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MemoryAfterOverload>>()));
        if (!string.IsNullOrWhiteSpace(options.DestinationsFile))
        {
            builder.Services.AddHostedService(sp => new DestinationsFileWatcher(
                options,
                fixedDestinations,
                sp.GetRequiredService<IGatewayDestinations>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DestinationsFileWatcher>>()));
        }

        if (!string.IsNullOrWhiteSpace(options.DestinationsDns))
        {
            builder.Services.AddHostedService(sp => new DnsDestinationsWatcher(
                options,
                fixedDestinations,
                sp.GetRequiredService<IGatewayDestinations>(),
                DnsDestinationsWatcher.SystemResolver,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DnsDestinationsWatcher>>()));
        }

        configure?.Invoke(builder);
        // Per-request failures are counted in /metrics; logging each one would slow the gateway when it can least afford it.
        builder.Logging.AddFilter("Yarp.ReverseProxy.Forwarder", LogLevel.Error);
        builder.Logging.AddFilter("Yarp.ReverseProxy.LoadBalancing", LogLevel.Error);
        // DestinationEjections says when a replica leaves rotation and why; YARP would say it a second time, and log every probe.
        builder.Logging.AddFilter("Yarp.ReverseProxy.Health", LogLevel.Error);

        // With this category enabled, ASP.NET Core starts an Activity and a logging scope for every request (AsyncLocal
        // copies on each await) and the proxy forwards a traceparent the replica must parse: about a quarter of the
        // gateway's CPU per request in bench/gateway. Nothing here reads traces, so the gateway does without.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var app = builder.Build();
        var metrics = app.Services.GetRequiredService<GatewayMetrics>();
        app.MapGet(HealthPath, () => Results.Text("ok"));
        app.MapGet(DestinationsPath, () => Results.Json(
            metrics.Destinations()
                .Select(d => new DestinationView(d.Model.Config.Address, GatewayMetrics.Health(d), d.ConcurrentRequestCount))
                .OrderBy(d => d.Address, StringComparer.Ordinal)
                .ToArray(),
            GatewayJsonContext.Default.DestinationViewArray));
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<RequestCountingMiddleware>();
            proxy.UseMiddleware<AdmissionMiddleware>();
            proxy.UseMiddleware<RetryMiddleware>();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>Puts <see cref="EjectableForwarder"/> around YARP's own forwarder, which YARP registers under an internal type.</summary>
    private static void DecorateForwarder(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IHttpForwarder));
        var type = original.ImplementationType ?? throw new InvalidOperationException("YARP's IHttpForwarder is not registered by type");
        services.Remove(original);
        services.AddSingleton<IHttpForwarder>(sp => new EjectableForwarder(
            (IHttpForwarder)ActivatorUtilities.CreateInstance(sp, type),
            sp.GetRequiredService<DestinationEjections>(),
            sp.GetRequiredService<GatewayOptions>()));
    }
}
