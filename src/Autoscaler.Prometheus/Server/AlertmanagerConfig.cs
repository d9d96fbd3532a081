using System.Text;
using System.Text.Json;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Server;

/// <summary>Turns a shipped <c>alertmanager.yml</c> into the one a local Alertmanager runs with.</summary>
internal static class AlertmanagerConfig
{
    /// <summary>
    /// <paramref name="template"/> with every webhook <c>url:</c> naming <see cref="AlertmanagerServerOptions.ShippedWebhookUrl"/>
    /// pointed at <paramref name="webhook"/>, and a bearer token added to it when one is given.
    /// </summary>
    /// <exception cref="ArgumentException">A webhook or token was asked for but the template has no such URL.</exception>
    public static string Render(string template, Uri? webhook, string? bearerToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (webhook is null && string.IsNullOrEmpty(bearerToken))
        {
            return template;
        }

        var output = new StringBuilder();
        var found = false;
        foreach (var line in template.Split('\n'))
        {
            var trimmed = line.TrimStart();
            var body = trimmed.StartsWith("- ", StringComparison.Ordinal) ? trimmed[2..].TrimStart() : trimmed;
            if (!body.StartsWith("url:", StringComparison.Ordinal) || !body.Contains(AlertmanagerServerOptions.ShippedWebhookUrl, StringComparison.Ordinal))
            {
                output.Append(line).Append('\n');
                continue;
            }

            found = true;
            var keyIndent = new string(' ', line.Length - body.Length);
            output.Append(line[..(line.Length - body.Length)]).Append("url: ").Append(Quote((webhook ?? new Uri(AlertmanagerServerOptions.ShippedWebhookUrl)).ToString())).Append('\n');
            if (!string.IsNullOrEmpty(bearerToken))
            {
                output.Append(keyIndent).Append("http_config:\n")
                    .Append(keyIndent).Append("  authorization:\n")
                    .Append(keyIndent).Append("    type: Bearer\n")
                    .Append(keyIndent).Append("    credentials: ").Append(Quote(bearerToken)).Append('\n');
            }
        }

        if (!found)
        {
            throw new ArgumentException($"the Alertmanager configuration has no webhook url: {AlertmanagerServerOptions.ShippedWebhookUrl} to point at the scaler", nameof(template));
        }

        return output.ToString(0, output.Length - 1);
    }

    // JSON strings are valid YAML double-quoted scalars, escapes included.
    private static string Quote(string value) => JsonSerializer.Serialize(value, PrometheusJsonContext.Default.String);
}
