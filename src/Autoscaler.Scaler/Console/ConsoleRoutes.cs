using Autoscaler.Scaler.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Console;

/// <summary>
/// The web console: the shell at <c>/</c>, its files under <c>/console/</c>, the endpoints it reads beyond the scaler's API,
/// and the access rules (<see cref="ConsoleAccess"/>). The front end is docs/configuration.md's "Web console".
/// </summary>
public static class ConsoleRoutes
{
    /// <summary>Where the console's files are served.</summary>
    public const string AssetsPath = "/console";

    /// <summary>Whether <paramref name="path"/> is one of the console's pages or files (not data).</summary>
    public static bool IsPage(PathString path) =>
        path == "/" || path == "/index.html" || path.StartsWithSegments(AssetsPath, StringComparison.Ordinal);

    /// <summary>
    /// Maps the console onto <paramref name="app"/>. Reads <see cref="IPrometheusView"/> and <see cref="IReplicaLister"/>
    /// from the services when registered (the CLI does); without them the pages say what is missing.
    /// </summary>
    public static WebApplication MapConsole(this WebApplication app, ScalerFleet fleet, ScalerOptions options)
    {
        var access = new ConsoleAccess(options, app.Services.GetRequiredService<IServer>());
        app.Use((context, next) => access.InvokeAsync(context, next));

        var time = app.Services.GetRequiredService<TimeProvider>();
        var api = new ConsoleApi(
            fleet,
            options,
            new ResponseCache(time),
            time,
            app.Services.GetService<IPrometheusView>(),
            app.Services.GetService<IReplicaLister>(),
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Autoscaler.Scaler.Console"));

        app.MapGet("/", (HttpContext c) => ConsoleAssets.Serve(c, ConsoleAssets.Find("index.html")!));
        app.MapGet("/index.html", (HttpContext c) => ConsoleAssets.Serve(c, ConsoleAssets.Find("index.html")!));
        app.MapGet(AssetsPath + "/{**path}", (HttpContext c, string path) => ConsoleAssets.Find(path) is { } asset
            ? ConsoleAssets.Serve(c, asset)
            : Results.Text($"no console file {path}", statusCode: StatusCodes.Status404NotFound));

        const string service = ServicesEndpoint.Path + "/{name}";
        app.MapGet(service + "/history", (string name) => api.HistoryAsync(name));
        app.MapGet(service + "/series", (string name, string? range) => api.SeriesAsync(name, range));
        app.MapGet(service + "/policy", (string name) => api.PolicyAsync(name));
        app.MapGet(service + "/targets", (string name) => api.TargetsAsync(name));
        app.MapGet(service + "/export/{format}", (string name, string format) => api.Export(name, format));
        app.MapPut(service + "/dry-run", (HttpContext c, string name) => api.PutDryRunAsync(c, name));
        return app;
    }
}
