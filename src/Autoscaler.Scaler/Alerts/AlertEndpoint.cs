using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Alerts;

/// <summary>
/// <c>POST /api/v1/alerts</c>: Alertmanager's webhook. A valid call is counted, logged, remembered in the status
/// and answered 202 at once; the evaluation it asks for runs in <see cref="AlertTrigger"/>.
/// </summary>
internal static partial class AlertEndpoint
{
    public const string Path = "/api/v1/alerts";

    // Alertmanager sends every alert of a group in one call; far below this even for large groups.
    private const int MaxBody = 4 * 1024 * 1024;

    public static async Task<IResult> HandleAsync(
        HttpContext context,
        ScalerOptions options,
        AlertTrigger trigger,
        ScalerState state,
        ScalerTelemetry telemetry,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        if (options.WebhookBearerToken is { Length: > 0 } token && BearerToken.Challenge(context, token, "Scaler:WebhookBearerToken") is { } challenge)
        {
            return challenge;
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context, MaxBody);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        if (!AlertmanagerWebhook.TryParse(body, out var payload, out var error))
        {
            return Results.Text(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var alerts = payload!.Alerts;
        foreach (var group in alerts.GroupBy(a => a.Status, StringComparer.Ordinal))
        {
            telemetry.RecordAlerts(group.Key, group.Count());
        }

        var described = alerts.Select(a => $"{a.Name}={a.Status}").ToList();
        LogWebhook(loggers.CreateLogger("Autoscaler.Scaler.Alerts"), alerts.Count, payload.Status, string.Join(", ", described), payload.Receiver);
        state.RecordAlert(new AlertNotice(time.GetUtcNow(), payload.Status, described));
        if (alerts.Count > 0)
        {
            trigger.Request(alerts.Select(a => a.Name));
        }

        return Results.Text(alerts.Count > 0 ? "evaluation requested" : "no alerts", statusCode: StatusCodes.Status202Accepted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert webhook: {Count} alert(s), group {Status}: {Alerts} (receiver {Receiver})")]
    private static partial void LogWebhook(ILogger logger, int count, string status, string alerts, string receiver);
}
