using System.Globalization;
using System.Text.Json;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Scaler.Replicas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Console;

/// <summary>
/// The console's simulations: the reports of the reports folder (<c>GET /api/v1/reports</c>, their files under
/// <c>/reports/NAME/…</c>) and replays of a service's policy on its recent demand (<c>POST /api/v1/services/{name}/simulations</c>,
/// <c>GET</c> and <c>DELETE /api/v1/simulations/{id}</c>).
/// </summary>
public static class SimulationsApi
{
    private const int MaxBody = 4096;
    private const double DefaultHours = 24;

    private static readonly FileExtensionContentTypeProvider s_types = new();

    /// <summary>
    /// Maps the simulations' endpoints. Replays run through the <see cref="IReplayRunner"/> registered in the services
    /// (none: they are refused, saying why) and write into <see cref="ScalerOptions.ReportsDirectory"/>.
    /// </summary>
    public static WebApplication MapSimulationsApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<ScalerOptions>();
        var fleet = app.Services.GetRequiredService<ScalerFleet>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var reports = new ReportsFolder(options.ReportsDirectory, time);
        var jobs = new SimulationJobs(
            app.Services.GetService<IReplayRunner>(), reports, time,
            app.Services.GetRequiredService<ILogger<SimulationJobs>>());
        app.Lifetime.ApplicationStopping.Register(jobs.Dispose);

        app.MapGet("/api/v1/reports", () => Results.Json(reports.List(), ScalerHost.Json));
        app.MapGet(ReportsFolder.UrlPrefix + "/{name}", (string name) => Results.Redirect(ReportsFolder.UrlOf(name)));
        app.MapGet(ReportsFolder.UrlPrefix + "/{name}/{**file}", (HttpContext context, string name, string? file) => Serve(context, reports, name, file));
        app.MapGet(ServicesEndpoint.Path + "/{name}/simulations", (string name) => ScalerHost.Named(fleet, name, s =>
            Results.Json(new { reports = reports.Directory, unavailable = jobs.Unavailable, jobs = jobs.Of(s.Name) }, ScalerHost.Json)));
        app.MapPost(ServicesEndpoint.Path + "/{name}/simulations", (HttpContext context, string name) =>
            ScalerHost.Named(fleet, name, s => StartAsync(context, options, jobs, s)));
        app.MapGet("/api/v1/simulations/{id}", (string id) => jobs.Find(id) is { } job ? Results.Json(job, ScalerHost.Json) : NoJob(id));
        app.MapDelete("/api/v1/simulations/{id}", async (HttpContext context, string id) =>
        {
            if (ReplicaEndpoint.Refused(context, options, "the simulations API") is { } refused)
            {
                return refused;
            }

            return await jobs.CancelAsync(id, TimeSpan.FromSeconds(5)) is { } job ? Results.Json(job, ScalerHost.Json) : NoJob(id);
        });
        return app;
    }

    private static IResult NoJob(string id) =>
        Results.Text($"no simulation {id} (finished ones are kept for a while; this scaler may have restarted)", statusCode: StatusCodes.Status404NotFound);

    private static IResult Serve(HttpContext context, ReportsFolder reports, string name, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return Results.Redirect(ReportsFolder.UrlOf(name));
        }

        var (found, path) = reports.Resolve(name, file);
        switch (found)
        {
            case ReportsFolder.Lookup.BadPath:
                return Results.Text($"{file}: not a file of report {name} (no '..', hidden or absolute parts)", statusCode: StatusCodes.Status400BadRequest);
            case ReportsFolder.Lookup.NotFound:
                return Results.Text($"report {name} has no file {file}", statusCode: StatusCodes.Status404NotFound);
        }

        // A report is a page of our own, but files sit beside it: none is sniffed into something else.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var type = s_types.TryGetContentType(path!, out var known) ? known : "application/octet-stream";
        return Results.File(path!, type, enableRangeProcessing: true);
    }

    private static async Task<IResult> StartAsync(HttpContext context, ScalerOptions options, SimulationJobs jobs, ScalerService service)
    {
        if (ReplicaEndpoint.Refused(context, options, "the simulations API") is { } refused)
        {
            return refused;
        }

        if (jobs.Unavailable is { } why)
        {
            return Results.Text(why, statusCode: StatusCodes.Status409Conflict);
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxBody, "send {\"hours\": 24}");
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!TryParse(body, out var hours, out var query, out var error))
        {
            return Results.Text(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var (job, started) = jobs.Start(service.Name, service.Setup.Policy, hours, query);
        if (!started)
        {
            return Results.Text(
                $"a simulation of {service.Name} runs already: {job.Id} ({(job.Progress * 100).ToString("0", CultureInfo.InvariantCulture)} %; GET /api/v1/simulations/{job.Id}, DELETE it to cancel)",
                statusCode: StatusCodes.Status409Conflict);
        }

        return Results.Json(job, ScalerHost.Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Reads <c>{"hours": H, "query": "PROMQL"}</c>, both optional; an empty body takes the defaults.</summary>
    internal static bool TryParse(ReadOnlyMemory<byte> body, out double hours, out string query, out string error)
    {
        (hours, query, error) = (DefaultHours, SimulationJobs.DefaultQuery, "");
        if (body.IsEmpty)
        {
            return true;
        }

        const string Expected = "send {\"hours\": 24} and optionally \"query\" (the demand's PromQL)";
        using var document = JsonBody.ReadObject(body, ["hours", "query"], Expected, out error);
        if (document is null)
        {
            return false;
        }

        var root = document.RootElement;
        foreach (var field in root.EnumerateObject())
        {
            switch (field.Name)
            {
                case "hours":
                    if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetDouble(out hours) || !(hours > 0 && hours <= SimulationJobs.MaxHours))
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"\"hours\" must be a number of hours above 0 and at most {SimulationJobs.MaxHours} (31 days), e.g. 24 or 0.5; got {field.Value.GetRawText()}");
                        return false;
                    }

                    break;
                case "query":
                    if (field.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(field.Value.GetString()))
                    {
                        error = $"\"query\" must be the PromQL of the demand, one series, e.g. {SimulationJobs.DefaultQuery}; got {field.Value.GetRawText()}";
                        return false;
                    }

                    query = field.Value.GetString()!.Trim();
                    break;
            }
        }

        return true;
    }
}
