using System.ComponentModel.DataAnnotations;

namespace Autoscaler.Prometheus.Server;

/// <summary>How to launch a local Alertmanager: binary, configuration, directory, address, and where the scaler's webhook is.</summary>
public sealed class AlertmanagerServerOptions
{
    /// <summary>The URL the shipped configuration sends alerts to; replaced by <see cref="WebhookUrl"/>.</summary>
    public const string ShippedWebhookUrl = "http://127.0.0.1:8080/api/v1/alerts";

    /// <summary>The executable: a name looked up on PATH, or a path.</summary>
    [Required]
    public string BinaryPath { get; set; } = "prometheus-alertmanager";

    /// <summary>The <c>alertmanager.yml</c> to start from (e.g. the shipped <c>deploy/alertmanager/alertmanager.yml</c>).</summary>
    [Required]
    public string ConfigFile { get; set; } = "";

    /// <summary>Where the written <c>alertmanager.yml</c> and its state (<c>data/</c>) go; created when missing.</summary>
    [Required]
    public string WorkingDirectory { get; set; } = "";

    /// <summary>Address to listen on.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9093;

    /// <summary>The scaler's webhook; when set, it replaces <see cref="ShippedWebhookUrl"/> in the configuration.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>When set, the webhook is called with <c>Authorization: Bearer</c> this value.</summary>
    public string? WebhookBearerToken { get; set; }

    /// <summary>How long to wait for <c>/-/ready</c> after starting.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping server may take after SIGTERM before it is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>More command-line flags, passed as they are.</summary>
    public List<string> ExtraArguments { get; set; } = [];
}
