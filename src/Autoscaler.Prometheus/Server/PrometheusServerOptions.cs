using System.ComponentModel.DataAnnotations;

namespace Autoscaler.Prometheus.Server;

/// <summary>How to launch a local Prometheus server: binary, directory, address, intervals and what to scrape.</summary>
public sealed class PrometheusServerOptions
{
    /// <summary>Job name of the demo service's replicas, found through <see cref="WebAppTargetsFile"/>.</summary>
    public const string WebAppJob = "webapp";

    /// <summary>The <c>prometheus</c> executable: a name looked up on PATH, or a path.</summary>
    [Required]
    public string BinaryPath { get; set; } = "prometheus";

    /// <summary>Where <c>prometheus.yml</c>, copied rule files and the TSDB (<c>data/</c>) go; created when missing.</summary>
    [Required]
    public string WorkingDirectory { get; set; } = "";

    /// <summary>Address to listen on.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9090;

    /// <summary>How often every target is scraped (the scrape timeout is the same, at most 10 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often rules are evaluated.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A <c>file_sd</c> JSON file listing the replicas, scraped as job <c>webapp</c>; none when null.</summary>
    public string? WebAppTargetsFile { get; set; }

    /// <summary>More jobs with fixed targets, e.g. <c>gateway → [127.0.0.1:8000]</c>, <c>scaler → [127.0.0.1:8080]</c>.</summary>
    public Dictionary<string, List<string>> StaticJobs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// More jobs whose targets (and their labels) come from file_sd files: job name to a path, whose last part may be a
    /// glob (<c>dir/*.json</c>), as Prometheus reads it.
    /// </summary>
    public Dictionary<string, string> FileJobs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rule files (alerting or recording) copied into the working directory and loaded.</summary>
    public List<string> RuleFiles { get; set; } = [];

    /// <summary>Alertmanagers (<c>host:port</c>) that firing alerts are sent to.</summary>
    public List<string> AlertmanagerTargets { get; set; } = [];

    /// <summary>How long samples are kept; short, since a local stack is for watching now.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long to wait for <c>/-/ready</c> after starting.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a stopping server may take after SIGTERM before it is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>More command-line flags for <c>prometheus</c>, passed as they are.</summary>
    public List<string> ExtraArguments { get; set; } = [];
}
