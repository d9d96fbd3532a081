using Autoscaler.Cli.Logging;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Gateway;
using Autoscaler.Prometheus.Api;
using Autoscaler.Scaler;
using Autoscaler.Targets.Ansible;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>Everything <c>autoscaler up</c> was asked for, validated before anything starts.</summary>
internal sealed record UpSettings(
    string WorkDirectory,
    string? PrometheusBinary,
    Uri? ExistingPrometheus,
    int PrometheusPort,
    int GatewayPort,
    int ScalerPort,
    TimeSpan ScrapeInterval,
    TimeSpan EvaluationInterval,
    bool StatusView,
    ScalerOptions Scaler,
    PrometheusClientOptions Prometheus,
    LocalTargetOptions Local,
    PolicySpec Policy,
    string? AlertmanagerBinary = null,
    int AlertmanagerPort = 9093,
    IReadOnlyList<string>? AlertRules = null)
{
    public string GatewayUrl => $"http://127.0.0.1:{GatewayPort}";

    public string ScalerUrl => $"http://127.0.0.1:{ScalerPort}";

    /// <summary>
    /// What the scaler's loop scales with <c>--target ansible</c>, built on the local replicas once they exist: a playbook
    /// that sets them through the scaler's API. Null: the loop scales the local replicas themselves.
    /// </summary>
    public Func<LocalProcessTarget, ILoggerFactory, AnsibleTarget>? LoopTarget { get; init; }

    /// <summary>How the stack's own log lines are written (<c>--log-level</c>, <c>--log-format</c>); the replicas get the same flags.</summary>
    public LogSettings Logging { get; init; } = new();

    /// <summary>True when up made up <c>Scaler:ApiToken</c> for this session (it is then written to WORK_DIR/api-token).</summary>
    public bool ApiTokenGenerated { get; init; }

    /// <summary>True when up made up <c>Scaler:WebhookBearerToken</c> for this session (it is then written to WORK_DIR/webhook-token).</summary>
    public bool WebhookTokenGenerated { get; init; }

    /// <summary>The in-process gateway's options (section <c>Gateway</c>: probes, passive health, retries); its replicas are up's own.</summary>
    public GatewayOptions Gateway { get; init; } = new();

    /// <summary>With <c>--services DIR</c>: the directory of service files, one demo service each; null for the one service.</summary>
    public string? ServicesDirectory { get; init; }

    /// <summary>Whether up starts Alertmanager (it is installed and not turned off).</summary>
    public bool StartsAlertmanager => AlertmanagerBinary is not null;
}
