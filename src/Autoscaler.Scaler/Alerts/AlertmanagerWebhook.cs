using System.Text.Json;

namespace Autoscaler.Scaler.Alerts;

/// <summary>
/// One alert of an Alertmanager webhook call: its name (label <c>alertname</c>), status, and the service it is about
/// (label <c>service</c>; null when it names none, and then it is about every service).
/// </summary>
internal sealed record WebhookAlert(string Name, string Status, string? Service = null);

/// <summary>The parts of Alertmanager's webhook payload (version 4) the scaler uses.</summary>
internal sealed record WebhookPayload(string Status, string Receiver, IReadOnlyList<WebhookAlert> Alerts);

/// <summary>
/// Reads Alertmanager's webhook payload strictly enough to tell a sender what is wrong with it: every field the
/// format defines must have its type when present, and <c>alerts</c> must be there.
/// </summary>
internal static class AlertmanagerWebhook
{
    private static readonly string[] AlertStatuses = ["firing", "resolved"];

    /// <summary>Parses <paramref name="body"/>; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out WebhookPayload? payload, out string error)
    {
        payload = null;
        using var document = JsonBody.ReadObject(body, fields: null, "send Alertmanager's webhook payload (an object with \"alerts\")", out error);
        if (document is null)
        {
            return false;
        }

        var root = document.RootElement;
        if (!OptionalString(root, "version", "", out _, out error)
            || !OptionalString(root, "groupKey", "", out _, out error)
            || !OptionalString(root, "status", "", out var groupStatus, out error)
            || !OptionalString(root, "receiver", "", out var receiver, out error)
            || !OptionalString(root, "externalURL", "", out _, out error)
            || !OptionalStringMap(root, "groupLabels", "", out error)
            || !OptionalStringMap(root, "commonLabels", "", out error)
            || !OptionalStringMap(root, "commonAnnotations", "", out error))
        {
            return false;
        }

        if (!root.TryGetProperty("alerts", out var alerts))
        {
            error = "missing 'alerts' (an array of alerts)";
            return false;
        }

        if (alerts.ValueKind != JsonValueKind.Array)
        {
            error = $"'alerts' must be an array, not {JsonKind.Of(alerts)}";
            return false;
        }

        var list = new List<WebhookAlert>();
        var i = 0;
        foreach (var alert in alerts.EnumerateArray())
        {
            var at = $"alerts[{i++}].";
            if (alert.ValueKind != JsonValueKind.Object)
            {
                error = $"'{at.TrimEnd('.')}' must be an object, not {JsonKind.Of(alert)}";
                return false;
            }

            if (!RequiredString(alert, "status", at, out var status, out error)
                || !OptionalStringMap(alert, "annotations", at, out error)
                || !OptionalString(alert, "startsAt", at, out _, out error)
                || !OptionalString(alert, "endsAt", at, out _, out error)
                || !OptionalString(alert, "generatorURL", at, out _, out error)
                || !OptionalString(alert, "fingerprint", at, out _, out error))
            {
                return false;
            }

            if (!AlertStatuses.Contains(status))
            {
                error = $"'{at}status' must be \"firing\" or \"resolved\", not \"{status}\"";
                return false;
            }

            if (!alert.TryGetProperty("labels", out var labels))
            {
                error = $"missing '{at}labels'";
                return false;
            }

            if (!OptionalStringMap(alert, "labels", at, out error))
            {
                return false;
            }

            var name = labels.TryGetProperty("alertname", out var n) ? n.GetString()! : "unnamed";
            var service = labels.TryGetProperty("service", out var s) ? s.GetString() : null;
            list.Add(new WebhookAlert(name, status, service));
        }

        payload = new WebhookPayload(groupStatus ?? "", receiver ?? "", list);
        error = "";
        return true;
    }

    private static bool RequiredString(JsonElement parent, string name, string at, out string value, out string error)
    {
        if (!parent.TryGetProperty(name, out _))
        {
            value = "";
            error = $"missing '{at}{name}'";
            return false;
        }

        var ok = OptionalString(parent, name, at, out var v, out error);
        value = v ?? "";
        return ok;
    }

    private static bool OptionalString(JsonElement parent, string name, string at, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{at}{name}' must be a string, not {JsonKind.Of(element)}";
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool OptionalStringMap(JsonElement parent, string name, string at, out string error)
    {
        error = "";
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = $"'{at}{name}' must be an object of strings, not {JsonKind.Of(element)}";
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                error = $"'{at}{name}.{property.Name}' must be a string, not {JsonKind.Of(property.Value)}";
                return false;
            }
        }

        return true;
    }
}
