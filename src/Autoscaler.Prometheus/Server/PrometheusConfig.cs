using System.Globalization;
using System.Text;
using System.Text.Json;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Server;

/// <summary>Writes the <c>prometheus.yml</c> a <see cref="PrometheusServer"/> runs with.</summary>
internal static class PrometheusConfig
{
    /// <summary>Job of Prometheus scraping itself.</summary>
    public const string SelfJob = "prometheus";

    public static string Render(PrometheusServerOptions options, string listen, IReadOnlyList<string> ruleFiles)
    {
        // Prometheus refuses a scrape timeout longer than the interval, and its default is 10 s.
        var timeout = options.ScrapeInterval < TimeSpan.FromSeconds(10) ? options.ScrapeInterval : TimeSpan.FromSeconds(10);
        var yaml = new StringBuilder()
            .AppendLine("# Written by autoscaler at every start of its Prometheus server; edits are lost.")
            .AppendLine("global:")
            .AppendLine(CultureInfo.InvariantCulture, $"  scrape_interval: {Duration(options.ScrapeInterval)}")
            .AppendLine(CultureInfo.InvariantCulture, $"  scrape_timeout: {Duration(timeout)}")
            .AppendLine(CultureInfo.InvariantCulture, $"  evaluation_interval: {Duration(options.EvaluationInterval)}");

        if (ruleFiles.Count > 0)
        {
            yaml.AppendLine("rule_files:");
            foreach (var file in ruleFiles)
            {
                yaml.AppendLine(CultureInfo.InvariantCulture, $"  - {Quote(file)}");
            }
        }

        if (options.AlertmanagerTargets.Count > 0)
        {
            yaml.AppendLine("alerting:")
                .AppendLine("  alertmanagers:")
                .AppendLine("    - static_configs:")
                .AppendLine(CultureInfo.InvariantCulture, $"        - targets: {List(options.AlertmanagerTargets)}");
        }

        yaml.AppendLine("scrape_configs:");
        StaticJob(yaml, SelfJob, [listen]);
        if (options.WebAppTargetsFile is { } targetsFile)
        {
            FileJob(yaml, PrometheusServerOptions.WebAppJob, targetsFile);
        }

        foreach (var (job, file) in options.FileJobs)
        {
            FileJob(yaml, job, file);
        }

        foreach (var (job, targets) in options.StaticJobs)
        {
            StaticJob(yaml, job, targets);
        }

        return yaml.ToString();
    }

    /// <summary>Problems with the jobs that Prometheus would otherwise only report by refusing to start.</summary>
    public static IEnumerable<string> Check(PrometheusServerOptions options)
    {
        foreach (var job in options.StaticJobs.Keys.Concat(options.FileJobs.Keys))
        {
            if (string.IsNullOrWhiteSpace(job))
            {
                yield return "StaticJobs: a job name is empty";
            }
            else if (job is SelfJob || (job is PrometheusServerOptions.WebAppJob && options.WebAppTargetsFile is not null))
            {
                yield return $"StaticJobs:{job}: the job name '{job}' is taken by the server's own job";
            }
        }

        foreach (var rules in options.RuleFiles)
        {
            if (!File.Exists(rules))
            {
                yield return $"RuleFiles = {rules}: file not found";
            }
        }
    }

    /// <summary>A duration in Prometheus's syntax (whole milliseconds or seconds).</summary>
    public static string Duration(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)Math.Max(1, Math.Round(value.TotalMilliseconds))).ToString(CultureInfo.InvariantCulture) + "ms";

    private static void FileJob(StringBuilder yaml, string job, string file) =>
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {Quote(job)}")
            .AppendLine("    file_sd_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - files: {List([Path.GetFullPath(file)])}")
            // Changes are seen at once through file notifications; the refresh is a safety net.
            .AppendLine("        refresh_interval: 10s");

    private static void StaticJob(StringBuilder yaml, string job, IEnumerable<string> targets) =>
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {Quote(job)}")
            .AppendLine("    static_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - targets: {List(targets)}");

    // JSON strings are valid YAML double-quoted scalars, escapes included.
    private static string Quote(string value) => JsonSerializer.Serialize(value, PrometheusJsonContext.Default.String);

    private static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";
}
