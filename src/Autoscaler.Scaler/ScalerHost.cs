using System.Text.Json;
using System.Text.Json.Serialization;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Alerts;
using Autoscaler.Scaler.Console;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Scaler.Leadership;
using Autoscaler.Scaler.Replicas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Autoscaler.Scaler;

/// <summary>
/// Builds the scaler: the control loop plus its HTTP API (<c>/healthz</c>, <c>/readyz</c> (ready once it has evaluated, and not
/// while the last evaluation could not reach Prometheus), <c>/metrics</c>, <c>/api/v1/status</c>,
/// Alertmanager's webhook at <c>POST /api/v1/alerts</c>, <c>GET</c>/<c>PUT /api/v1/replicas</c> to set the count directly or
/// pause at it, and <c>DELETE /api/v1/pause</c> to resume).
/// </summary>
public static class ScalerHost
{
    /// <summary>JSON as the API writes it: camelCase, enums as names.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Builds a scaler of one service (called <see cref="ScalerTelemetry.DefaultService"/>) listening on
    /// <paramref name="urls"/>, with <paramref name="policy"/> or else the default threshold policy; nothing is started
    /// yet. <paramref name="replicaSet"/> is what <c>PUT /api/v1/replicas</c> sets directly (the local replicas, also
    /// under an Ansible target that sets them through that very API); without one the endpoint answers 409.
    /// </summary>
    public static WebApplication Build(
        ScalerOptions options,
        IEnumerable<string> urls,
        IScaleTarget target,
        IReadOnlyList<IMetricSource> sources,
        Action<WebApplicationBuilder>? configure = null,
        PolicySpec? policy = null,
        IScaleTarget? replicaSet = null,
        ILeadership? leadership = null) =>
        Build(options, urls, [new ServiceSetup(ScalerTelemetry.DefaultService, policy ?? options.ToPolicy(), target, sources, options, replicaSet)], configure, leadership: leadership);

    /// <summary>
    /// Builds the scaler of <paramref name="services"/> (more can be applied to its <see cref="ScalerFleet"/> while it
    /// runs) listening on <paramref name="urls"/>; nothing is started yet. <paramref name="options"/> holds what is the
    /// scaler's rather than a service's: the tokens. With <paramref name="namedLogs"/> each loop logs under its service's name.
    /// </summary>
    public static WebApplication Build(
        ScalerOptions options,
        IEnumerable<string> urls,
        IReadOnlyList<ServiceSetup> services,
        Action<WebApplicationBuilder>? configure = null,
        bool namedLogs = false,
        ILeadership? leadership = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "autoscaler-scaler",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(sp =>
        {
            var fleet = new ScalerFleet(Metrics.NewCustomRegistry(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), namedLogs, sp.GetRequiredService<ILeadership>());
            foreach (var service in services)
            {
                // Nothing runs yet, so applying completes at once.
                fleet.ApplyAsync(service, CancellationToken.None).GetAwaiter().GetResult();
            }

            return fleet;
        });
        // The election first (hosted services start in order): a free lock file is taken before the first evaluation.
        builder.Services.AddSingleton(leadership ?? new AlwaysLeader(Leaders.DefaultIdentity()));
        builder.Services.AddHostedService<LeadershipService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScalerFleet>());

        // A fleet of one, as the scaler always was: its parts, for whoever asks for them.
        builder.Services.AddSingleton(sp => One(sp).Loop);
        builder.Services.AddSingleton(sp => One(sp).State);
        builder.Services.AddSingleton(sp => One(sp).Telemetry);
        builder.Services.AddSingleton(sp => One(sp).Pipeline);
        builder.Services.AddSingleton(sp => One(sp).Alerts);
        configure?.Invoke(builder);

        var app = builder.Build();
        var fleet = app.Services.GetRequiredService<ScalerFleet>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => Readiness(fleet));
        app.MapGet("/api/v1/status", () => OfOne(fleet, s => Results.Json(s.State.Snapshot() with { Leader = fleet.Leadership.IsLeader, Holder = fleet.Leadership.Holder }, Json)));
        app.MapGet("/api/v1/decisions", () => OfOne(fleet, s => Results.Json(s.State.Snapshot().LastDecisions, Json)));
        app.MapPost(AlertEndpoint.Path, AlertEndpoint.HandleAsync);
        app.MapGet(ReplicaEndpoint.Path, (HttpContext c, ScalerOptions o) => OfOne(fleet, s => ReplicaEndpoint.GetAsync(c, o, s)));
        app.MapPut(ReplicaEndpoint.Path, (HttpContext c, ILoggerFactory l) => OfOne(fleet, s => ReplicaEndpoint.PutAsync(c, options, s, l)));
        app.MapDelete(PauseEndpoint.Path, (HttpContext c, ScalerOptions o) => OfOne(fleet, s => PauseEndpoint.DeleteAsync(c, o, s)));
        app.MapGet(ServicesEndpoint.Path, () => Results.Json(ServicesEndpoint.List(fleet), Json));
        app.MapGet(ServicesEndpoint.Path + "/{name}", (string name) => Named(fleet, name, s => Results.Json(ServicesEndpoint.Describe(fleet, s), Json)));
        app.MapGet(ServicesEndpoint.Path + "/{name}/decisions", (string name) => Named(fleet, name, s => Results.Json(s.State.Snapshot().LastDecisions, Json)));
        app.MapGet(ServicesEndpoint.Path + "/{name}/replicas", (HttpContext c, string name) => Named(fleet, name, s => ReplicaEndpoint.GetAsync(c, options, s)));
        app.MapPut(ServicesEndpoint.Path + "/{name}/replicas", (HttpContext c, string name, ILoggerFactory l) => Named(fleet, name, s => ReplicaEndpoint.PutAsync(c, options, s, l)));
        app.MapDelete(ServicesEndpoint.Path + "/{name}/pause", (HttpContext c, string name) => Named(fleet, name, s => PauseEndpoint.DeleteAsync(c, options, s)));
        app.MapMetrics("/metrics", fleet.Registry);
        app.MapConsole(fleet, options);
        app.MapSimulationsApi();
        return app;
    }

    private static ScalerService One(IServiceProvider services) =>
        services.GetRequiredService<ScalerFleet>().Single ?? throw new InvalidOperationException("this scaler does not scale exactly one service");

    // Ready once every service has evaluated, and not while one's last evaluation could not reach Prometheus.
    private static IResult Readiness(ScalerFleet fleet)
    {
        var services = fleet.Services;
        if (services.FirstOrDefault(s => s.Loop.Evaluations == 0) is { } starting)
        {
            return Results.Text(services.Count == 1 ? "starting" : $"starting: {starting.Name} has not evaluated yet", statusCode: 503);
        }

        if (services.FirstOrDefault(s => s.Loop.Unreachable is not null) is { } cut)
        {
            var which = services.Count == 1 ? "" : $"{cut.Name}: ";
            return Results.Text($"not ready: {which}the metrics backend is out ({cut.Loop.Unreachable})", statusCode: 503);
        }

        return Results.Text(services.Count == 0 ? "ready (no services)" : "ready");
    }

    // The endpoints of a scaler of one service: with several, the caller must name one.
    private static Task<IResult> OfOne(ScalerFleet fleet, Func<ScalerService, Task<IResult>> handle) =>
        fleet.Single is { } one ? handle(one) : Task.FromResult(NotOne(fleet));

    private static IResult OfOne(ScalerFleet fleet, Func<ScalerService, IResult> handle) =>
        fleet.Single is { } one ? handle(one) : NotOne(fleet);

    private static IResult NotOne(ScalerFleet fleet) => Results.Text(
        $"this scaler scales {fleet.Services.Count} services; name one: {ServicesEndpoint.Path}/NAME (the list: GET {ServicesEndpoint.Path})",
        statusCode: StatusCodes.Status409Conflict);

    internal static Task<IResult> Named(ScalerFleet fleet, string name, Func<ScalerService, Task<IResult>> handle) =>
        fleet.Find(name) is { } service ? handle(service) : Task.FromResult(NoSuch(fleet, name));

    internal static IResult Named(ScalerFleet fleet, string name, Func<ScalerService, IResult> handle) =>
        fleet.Find(name) is { } service ? handle(service) : NoSuch(fleet, name);

    private static IResult NoSuch(ScalerFleet fleet, string name) => Results.Text(
        fleet.ProblemOf(name) is { } problem
            ? $"service {name} is not running: its file {problem.File} is invalid: {problem.Message}"
            : $"no service {name}; this scaler scales: {string.Join(", ", fleet.Services.Select(s => s.Name))}",
        statusCode: StatusCodes.Status404NotFound);
}
