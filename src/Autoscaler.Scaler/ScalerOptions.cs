using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Microsoft.Extensions.Options;

namespace Autoscaler.Scaler;

/// <summary>The scaler's loop: what to query, the default policy's thresholds, the limits, how often.</summary>
public sealed class ScalerOptions
{
    /// <summary>Configuration section (environment: <c>Scaler__Query=…</c>).</summary>
    public const string Section = "Scaler";

    /// <summary>The environment variables of the original scripts and the keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyEnvironment = new Dictionary<string, string>
    {
        ["PROMETHEUS_URL"] = "Prometheus:Url",
        ["SCALE_UP_THRESHOLD"] = "Scaler:ScaleUpThreshold",
        ["SCALE_DOWN_THRESHOLD"] = "Scaler:ScaleDownThreshold",
        ["MIN_REPLICAS"] = "Scaler:MinReplicas",
        ["MAX_REPLICAS"] = "Scaler:MaxReplicas",
        ["CHECK_INTERVAL"] = "Scaler:CheckInterval",
    };

    /// <summary>PromQL whose single value drives the default policy.</summary>
    [Required]
    [MinLength(1)]
    public string Query { get; set; } = ThresholdPolicyOptions.DefaultQuery;

    /// <summary>Name of that metric in logs, decisions and telemetry.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z_][a-zA-Z0-9_]*$", ErrorMessage = "must be a plain identifier (letters, digits, _)")]
    public string MetricName { get; set; } = ThresholdPolicyOptions.DefaultMetricName;

    /// <summary>Above this value, one more replica.</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleUpThreshold { get; set; } = ThresholdPolicyOptions.DefaultScaleUpThreshold;

    /// <summary>Below this value, one fewer replica.</summary>
    [Range(0.0, double.MaxValue)]
    public double ScaleDownThreshold { get; set; } = ThresholdPolicyOptions.DefaultScaleDownThreshold;

    /// <summary>Fewest replicas.</summary>
    [Range(0, ScalingLimits.Largest)]
    public int MinReplicas { get; set; } = ScalingLimits.DefaultMinReplicas;

    /// <summary>Most replicas.</summary>
    [Range(1, ScalingLimits.Largest)]
    public int MaxReplicas { get; set; } = ScalingLimits.DefaultMaxReplicas;

    /// <summary>Time between evaluations.</summary>
    [Range(typeof(TimeSpan), PolicySpec.MinCheckInterval, PolicySpec.MaxCheckInterval, ErrorMessage = "must be between 50ms and 1 day")]
    public TimeSpan CheckInterval { get; set; } = PolicySpec.DefaultCheckInterval;

    /// <summary>Run the whole pipeline, log and export every decision, but never call the target.</summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// When set, <c>POST /api/v1/alerts</c> answers 401 unless the request carries <c>Authorization: Bearer</c> this value.
    /// A secret: never logged.
    /// </summary>
    public string? WebhookBearerToken { get; set; }

    /// <summary>
    /// Turns on <c>GET</c>/<c>PUT /api/v1/replicas</c>, which then need <c>Authorization: Bearer</c> this value. Separate from
    /// <see cref="WebhookBearerToken"/>: the webhook can only ask for an evaluation, this API sets the count. A secret: never logged.
    /// </summary>
    public string? ApiToken { get; set; }

    /// <summary>
    /// The shortest time between two evaluations asked for by alert webhook calls; calls in between fold into the next
    /// one. Zero: only calls that arrive while one is pending fold.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "must be between 0s and 1h")]
    public TimeSpan AlertEvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Serve the web console at <c>/</c> (<c>--no-console</c>: off; the API stays).</summary>
    public bool Console { get; set; } = true;

    /// <summary>
    /// Leave the console and the API's GETs open without the API token when the scaler listens beyond loopback (on
    /// loopback they are always open). Actions always need the token.
    /// </summary>
    public bool ConsolePublic { get; set; }

    /// <summary>A file holding <see cref="WebhookBearerToken"/> instead (read once at start); not together with it.</summary>
    public string? WebhookBearerTokenFile { get; set; }

    /// <summary>A file holding <see cref="ApiToken"/> instead (read once at start); not together with it.</summary>
    public string? ApiTokenFile { get; set; }

    /// <summary>
    /// The folder of simulation reports the console lists and serves (<c>GET /api/v1/reports</c>, <c>/reports/NAME/…</c>), and
    /// where its replays write theirs; null: none (the console says how to set one).
    /// </summary>
    public string? ReportsDirectory { get; set; }

    /// <summary>A copy for one service of a fleet: the scaler's tokens and alert spacing, that service's check interval and dry run.</summary>
    public ScalerOptions ForService(TimeSpan checkInterval, bool dryRun)
    {
        var copy = (ScalerOptions)MemberwiseClone();
        copy.CheckInterval = checkInterval;
        copy.DryRun = dryRun;
        return copy;
    }

    /// <summary>The default policy's options.</summary>
    public ThresholdPolicyOptions ToThresholds() => new() { ScaleUpThreshold = ScaleUpThreshold, ScaleDownThreshold = ScaleDownThreshold };

    /// <summary>The policy these options describe: the original scripts' rule on the one configured query.</summary>
    public PolicySpec ToPolicy() => new()
    {
        MinReplicas = MinReplicas,
        MaxReplicas = MaxReplicas,
        Metrics = [new MetricSpec { Name = MetricName, Query = Query, Threshold = ToThresholds() }],
    };

    /// <summary>The clamp stage's options.</summary>
    public ScalingLimits ToLimits() => new() { MinReplicas = MinReplicas, MaxReplicas = MaxReplicas };
}

/// <summary>Rules that compare fields: down threshold below up threshold, min ≤ max.</summary>
public sealed class ScalerOptionsValidator : IValidateOptions<ScalerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ScalerOptions options)
    {
        var failures = new List<string>();
        foreach (var result in new[]
        {
            new ThresholdPolicyOptionsValidator().Validate(name, options.ToThresholds()),
            new ScalingLimitsValidator().Validate(name, options.ToLimits()),
        })
        {
            if (result.Failed)
            {
                failures.AddRange(result.Failures ?? []);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
