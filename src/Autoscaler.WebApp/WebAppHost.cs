using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Autoscaler.WebApp;

/// <summary>Builds the demo service: <c>/</c> does queued work, <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>.</summary>
public static class WebAppHost
{
    /// <summary>Header that names the replica that answered.</summary>
    public const string InstanceHeader = "X-Instance-Id";

    /// <summary>Builds the service listening on <paramref name="urls"/>; nothing is started yet.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="urls">Addresses to listen on, e.g. <c>http://127.0.0.1:8001</c>.</param>
    /// <param name="configure">Last say on the builder (logging, a fake clock in tests).</param>
    /// <param name="crash">What "crash after N requests" does; kills the process unless a test replaces it.</param>
    public static WebApplication Build(
        WebAppOptions options,
        IEnumerable<string> urls,
        Action<WebApplicationBuilder>? configure = null,
        Action? crash = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "autoscaler-webapp",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout);
        builder.Services.AddSingleton(TimeProvider.System);
        if (options.ParentProcessId is { } parent)
        {
            builder.Services.AddHostedService(sp => new ParentWatch(
                parent, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ParentWatch>>()));
        }

        configure?.Invoke(builder);
        // Without this category ASP.NET Core starts no Activity and logging scope per request; nothing here
        // reads traces, and at tens of thousands of requests a second the saving shows (see docs/benchmarks.md).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var app = builder.Build();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Autoscaler.WebApp");
        var instanceId = string.IsNullOrWhiteSpace(options.InstanceId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}"
            : options.InstanceId;
        var instanceJson = JsonEncodedText.Encode(instanceId, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

        var workload = new DemoWorkload(options, time);
        var registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(registry); // process_* and dotnet_*, as on every /metrics of the tool
        var metrics = new WebAppMetrics(registry, workload, options.Workers);
        var started = time.GetTimestamp();
        var draining = false;
        long served = 0;
        lifetime.ApplicationStopping.Register(() =>
        {
            Volatile.Write(ref draining, true);
            logger.LogInformation("Draining: not ready, finishing accepted requests (up to {Timeout})", options.DrainTimeout);
        });
        bool IsStarting() => time.GetElapsedTime(started) < options.StartupDelay;

        app.UseHttpMetrics(o =>
        {
            o.SetMetricFactory(metrics.Factory);
            o.RequestDuration.Histogram = metrics.DurationHistogram;
        });

        app.MapGet("/", async (HttpContext context) =>
        {
            context.Response.Headers[InstanceHeader] = instanceId;
            metrics.RequestCount.Inc();
            if (IsStarting())
            {
                return Results.Text($"{{\"instance\":\"{instanceJson}\",\"error\":\"starting\"}}", "application/json", statusCode: 503);
            }

            var outcome = await workload.ExecuteAsync(context.RequestAborted);
            if (outcome.Result == WorkResult.Rejected)
            {
                metrics.Rejected.Inc();
                return Results.Text($"{{\"instance\":\"{instanceJson}\",\"error\":\"queue full\"}}", "application/json", statusCode: 503);
            }

            metrics.BusySeconds.Inc(outcome.Service.TotalSeconds);

            if (options.CrashAfter > 0 && Interlocked.Increment(ref served) == options.CrashAfter)
            {
                logger.LogWarning("Crashing after {Count} requests, as configured", options.CrashAfter);
                (crash ?? (() => Process.GetCurrentProcess().Kill()))();
            }

            var body = string.Create(
                CultureInfo.InvariantCulture,
                $"{{\"instance\":\"{instanceJson}\",\"waitMs\":{outcome.Wait.TotalMilliseconds:0.###},\"serviceMs\":{outcome.Service.TotalMilliseconds:0.###}}}");
            return outcome.Result == WorkResult.InjectedError
                ? Results.Text(body.Replace("{\"instance\"", "{\"error\":\"injected\",\"instance\"", StringComparison.Ordinal), "application/json", statusCode: 500)
                : Results.Text(body, "application/json");
        });
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () =>
            Volatile.Read(ref draining) ? Results.Text("draining", statusCode: 503)
            : IsStarting() ? Results.Text("starting", statusCode: 503)
            : Results.Text("ready"));
        app.MapMetrics("/metrics", metrics.Registry);
        return app;
    }
}
