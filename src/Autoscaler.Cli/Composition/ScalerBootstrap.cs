using Autoscaler.Cli.Commands;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Prometheus.Api;
using Autoscaler.Scaler;
using Autoscaler.Scaler.Console;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Scaler.Leadership;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// How <c>scaler</c> and <c>up</c> put a scaler together: a service's setup from its policy and target (metric sources
/// bound to Prometheus, the warm-up of predictive and slo rules run by the service itself before its first evaluation),
/// and the host, with a services directory followed when there is one.
/// </summary>
internal static class ScalerBootstrap
{
    /// <summary>The setup of one service: <paramref name="policy"/> read through <paramref name="client"/>, scaling <paramref name="target"/>.</summary>
    public static ServiceSetup Setup(string name, PolicySpec policy, ScalerTarget target, PrometheusClient client, ScalerOptions options, ILogger warmUpLogger, string? source = null) =>
        new(name, policy, target.Target, MetricSources.For(policy, client), options, target.ReplicaSet)
        {
            WarmUp = (pipeline, ct) => PredictiveWarmUps.WarmAsync(pipeline, policy, client, TimeProvider.System, warmUpLogger, ct),
            Source = source,
        };

    /// <summary>The options of a service read from <paramref name="file"/>: the scaler's, with the file's (or its policy's) check interval and dry run.</summary>
    public static ScalerOptions OptionsFor(ServiceFile file, ScalerOptions scaler) =>
        scaler.ForService(file.CheckInterval ?? file.Policy.CheckInterval ?? scaler.CheckInterval, scaler.DryRun || file.DryRun);

    /// <summary>The scaler's host for <paramref name="services"/>; nothing is started yet.</summary>
    public static WebApplication Build(ScalerOptions options, IEnumerable<string> urls, IReadOnlyList<ServiceSetup> services, Action<WebApplicationBuilder>? configure, ILeadership? leadership = null, PrometheusClient? client = null) =>
        ScalerHost.Build(options, urls, services, WithReplays(client, builder =>
        {
            configure?.Invoke(builder);
            ConsoleSources.Register(builder, client);
        }), leadership: leadership);

    /// <summary>
    /// <paramref name="configure"/>, and the console's replays (<see cref="ReplayRunner"/>) reading history through
    /// <paramref name="client"/>, the Prometheus the services query (without one, the console cannot replay).
    /// </summary>
    private static Action<WebApplicationBuilder> WithReplays(PrometheusClient? client, Action<WebApplicationBuilder>? configure) => builder =>
    {
        configure?.Invoke(builder);
        if (client is not null)
        {
            builder.Services.AddSingleton<IReplayRunner>(sp => new ReplayRunner(client, sp.GetRequiredService<TimeProvider>()));
        }
    };

    /// <summary>
    /// The scaler's host for the services of <paramref name="directory"/>, followed while it runs (read once before it
    /// listens, then every <paramref name="interval"/>); <paramref name="targets"/> builds each service's target.
    /// </summary>
    public static WebApplication BuildFollowing(
        ScalerOptions options,
        IEnumerable<string> urls,
        string directory,
        TimeSpan interval,
        TargetKinds kinds,
        Func<ServiceFile, CancellationToken, Task<ScalerTarget>> targets,
        PrometheusClient client,
        Action<WebApplicationBuilder>? configure,
        ILeadership? leadership = null)
    {
        return ScalerHost.Build(options, urls, [], WithReplays(client, builder =>
        {
            configure?.Invoke(builder);
            ConsoleSources.Register(builder, client);
            builder.Services.AddSingleton(sp =>
            {
                var loggers = sp.GetRequiredService<ILoggerFactory>();
                var warmUp = loggers.CreateLogger("Autoscaler.Scaler");
                return new ServicesDirectory(
                    directory, kinds, sp.GetRequiredService<ScalerFleet>(), targets,
                    (file, target) => Setup(file.Name, file.Policy, target, client, OptionsFor(file, options), warmUp, file.Path),
                    sp.GetRequiredService<TimeProvider>(), loggers.CreateLogger("Autoscaler.Scaler.Services"));
            });
            builder.Services.AddHostedService(sp => new Follower(sp.GetRequiredService<ServicesDirectory>(), interval));
        }), namedLogs: true, leadership: leadership);
    }

    /// <summary>
    /// Reads the directory once as the host starts (so the services run before it says it listens), then follows it. The
    /// targets are let go when the host is disposed (the directory is a singleton), after every loop has stopped.
    /// </summary>
    private sealed class Follower(ServicesDirectory directory, TimeSpan interval) : BackgroundService
    {
        public override async Task StartAsync(CancellationToken cancellationToken)
        {
            await directory.ScanAsync(cancellationToken);
            await base.StartAsync(cancellationToken);
        }

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => directory.RunAsync(interval, stoppingToken);
    }
}
