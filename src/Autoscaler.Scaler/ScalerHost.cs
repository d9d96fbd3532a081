using System.Text.Json;
using System.Text.Json.Serialization;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Alerts;
using Autoscaler.Scaler.Leadership;
using Autoscaler.Scaler.Replicas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Autoscaler.Scaler;

/// <summary>
/// Builds the scaler: the control loop plus its HTTP API (<c>/healthz</c>, <c>/readyz</c> (ready once it has evaluated, and not
/// while the last evaluation could not reach Prometheus), <c>/metrics</c>, <c>/api/v1/status</c>,
/// Alertmanager's webhook at <c>POST /api/v1/alerts</c>, <c>GET</c>/<c>PUT /api/v1/replicas</c> to set the count directly or
/// pause at it, and <c>DELETE /api/v1/pause</c> to resume; on a standby, which serves read-only status, those two answer 409).
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
    /// Builds the scaler listening on <paramref name="urls"/>, with <paramref name="policy"/> or else the default threshold policy;
    /// nothing is started yet. <paramref name="replicaSet"/> is what <c>PUT /api/v1/replicas</c> sets directly (the local
    /// replicas, also under an Ansible target that sets them through that very API); without one the endpoint answers 409.
    /// </summary>
    public static WebApplication Build(
        ScalerOptions options,
        IEnumerable<string> urls,
        IScaleTarget target,
        IReadOnlyList<IMetricSource> sources,
        Action<WebApplicationBuilder>? configure = null,
        PolicySpec? policy = null,
        IScaleTarget? replicaSet = null,
        ILeadership? leadership = null)
    {
        policy ??= options.ToPolicy();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "autoscaler-scaler",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(target);
        builder.Services.AddSingleton(new ScalerState(target.Name, policy.Metrics[0].Name, policy.Metrics[0].Query));
        var telemetry = new ScalerTelemetry(Metrics.NewCustomRegistry());
        telemetry.SetDryRun(options.DryRun);
        telemetry.SetConfiguration(policy, options.CheckInterval);
        builder.Services.AddSingleton(telemetry);
        builder.Services.AddSingleton<IReadOnlyList<IMetricSource>>([.. sources.Select(s => new TimedMetricSource(s, telemetry, TimeProvider.System))]);
        builder.Services.AddSingleton(sp => policy.CreatePipeline(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(leadership ?? new AlwaysLeader(Leaders.DefaultIdentity()));
        builder.Services.AddHostedService<LeadershipService>();
        builder.Services.AddSingleton<ScalerLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScalerLoop>());
        builder.Services.AddSingleton(new ReplicaApi(replicaSet, policy.MinReplicas, policy.MaxReplicas));
        builder.Services.AddSingleton<AlertTrigger>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertTrigger>());
        configure?.Invoke(builder);

        var app = builder.Build();
        var loop = app.Services.GetRequiredService<ScalerLoop>();
        var state = app.Services.GetRequiredService<ScalerState>();
        var leader = app.Services.GetRequiredService<ILeadership>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () =>
            loop.Evaluations == 0 ? Results.Text("starting", statusCode: 503)
            : loop.Unreachable is { } why ? Results.Text($"not ready: the metrics backend is out ({why})", statusCode: 503)
            : Results.Text("ready"));
        app.MapGet("/api/v1/status", () => Results.Json(state.Snapshot() with { Leader = leader.IsLeader, Holder = leader.Holder }, Json));
        app.MapGet("/api/v1/decisions", () => Results.Json(state.Snapshot().LastDecisions, Json));
        app.MapPost(AlertEndpoint.Path, AlertEndpoint.HandleAsync);
        app.MapGet(ReplicaEndpoint.Path, ReplicaEndpoint.GetAsync);
        app.MapPut(ReplicaEndpoint.Path, ReplicaEndpoint.PutAsync);
        app.MapDelete(PauseEndpoint.Path, PauseEndpoint.DeleteAsync);
        app.MapMetrics("/metrics", app.Services.GetRequiredService<ScalerTelemetry>().Registry);
        return app;
    }
}
