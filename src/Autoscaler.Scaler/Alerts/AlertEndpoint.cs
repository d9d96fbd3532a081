using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Alerts;

/// <summary>
/// <c>POST /api/v1/alerts</c>: Alertmanager's webhook. A valid call is counted, logged, remembered in the status
/// and answered 202 at once; the evaluation it asks for runs in <see cref="AlertTrigger"/>, which folds a flood of
/// calls into at most one evaluation per interval. Every call is counted by what became of it.
/// </summary>
internal static partial class AlertEndpoint
{
    public const string Path = "/api/v1/alerts";

    // Alertmanager sends every alert of a group in one call; far below this even for large groups.
    private const int MaxBody = 4 * 1024 * 1024;

    // How many alerts one log line names; a call of 10,000 alerts once wrote a 150 KB line.
    private const int LoggedAlerts = 10;

    public static async Task<IResult> HandleAsync(
        HttpContext context,
        ScalerOptions options,
        Fleet.ScalerFleet fleet,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        if (options.WebhookBearerToken is { Length: > 0 } token && BearerToken.Challenge(context, token, "Scaler:WebhookBearerToken") is { } challenge)
        {
            fleet.RecordWebhookCall(WebhookResults.Unauthorized);
            return challenge;
        }

        if (!context.Request.HasJsonContentType())
        {
            fleet.RecordWebhookCall(WebhookResults.UnsupportedMediaType);
            return Results.Text(
                $"the body must be Alertmanager's webhook payload as JSON (Content-Type: application/json), not {context.Request.ContentType ?? "a body without a Content-Type"}",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxBody);
        if (tooLarge is not null)
        {
            fleet.RecordWebhookCall(WebhookResults.TooLarge);
            return tooLarge;
        }

        if (!AlertmanagerWebhook.TryParse(body, out var payload, out var error))
        {
            fleet.RecordWebhookCall(WebhookResults.Invalid);
            return Results.Text(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var alerts = payload!.Alerts;
        var described = alerts.Take(AlertNotice.MaxAlerts).Select(a => $"{a.Name}={a.Status}").ToList();
        var now = time.GetUtcNow();

        // An alert labelled service="NAME" is about that service; one without the label (or naming a service this
        // scaler does not have) is about every service, as it was when a scaler had only one.
        var services = fleet.Services;
        var requested = false;
        foreach (var service in services)
        {
            var its = alerts.Where(a => a.Service is not { } s || s == service.Name || fleet.Find(s) is null).ToList();
            if (its.Count == 0 && alerts.Count > 0)
            {
                continue;
            }

            foreach (var group in its.GroupBy(a => a.Status, StringComparer.Ordinal))
            {
                service.Telemetry.RecordAlerts(group.Key, group.Count());
            }

            service.State.RecordAlert(new AlertNotice(now, payload.Status, [.. its.Take(AlertNotice.MaxAlerts).Select(a => $"{a.Name}={a.Status}")], its.Count));
            if (its.Count > 0)
            {
                requested |= service.Alerts.Request(its.Select(a => a.Name));
            }
        }

        if (alerts.Count == 0)
        {
            fleet.RecordWebhookCall(WebhookResults.NoAlerts);
            return Results.Text("no alerts", statusCode: StatusCodes.Status202Accepted);
        }

        var logger = loggers.CreateLogger("Autoscaler.Scaler.Alerts");
        var listed = string.Join(", ", described.Take(LoggedAlerts)) + (alerts.Count > LoggedAlerts ? $", and {alerts.Count - LoggedAlerts} more" : "");
        if (requested)
        {
            fleet.RecordWebhookCall(WebhookResults.Evaluation);
            LogWebhook(logger, alerts.Count, payload.Status, listed, payload.Receiver);
            return Results.Text("evaluation requested", statusCode: StatusCodes.Status202Accepted);
        }

        // A flood of calls must not flood the log: those that only join a pending evaluation are counted, and logged at debug.
        fleet.RecordWebhookCall(WebhookResults.Coalesced);
        LogCoalesced(logger, alerts.Count, payload.Status, listed, payload.Receiver);
        return Results.Text("evaluation already pending", statusCode: StatusCodes.Status202Accepted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert webhook: {Count} alert(s), group {Status}: {Alerts} (receiver {Receiver})")]
    private static partial void LogWebhook(ILogger logger, int count, string status, string alerts, string receiver);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert webhook: {Count} alert(s), group {Status}: {Alerts} (receiver {Receiver}); folded into the evaluation already pending")]
    private static partial void LogCoalesced(ILogger logger, int count, string status, string alerts, string receiver);
}

/// <summary>The values of <c>autoscaler_alert_webhook_calls_total{result}</c>: what became of each call.</summary>
internal static class WebhookResults
{
    public const string Evaluation = "evaluation";
    public const string Coalesced = "coalesced";
    public const string NoAlerts = "no_alerts";
    public const string Unauthorized = "unauthorized";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string TooLarge = "too_large";
    public const string Invalid = "invalid";

    public static readonly string[] All = [Evaluation, Coalesced, NoAlerts, Unauthorized, UnsupportedMediaType, TooLarge, Invalid];
}
