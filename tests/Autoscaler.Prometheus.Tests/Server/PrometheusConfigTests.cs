using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Server;

public sealed class PrometheusConfigTests
{
    [Fact]
    public async Task Generated_config_passes_promtool_check_config()
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");
        using var temp = new TempDirectory();
        var rules = temp.File("autoscaler-rules.yml");
        await File.WriteAllTextAsync(rules, """
            groups:
              - name: autoscaler
                rules:
                  - alert: WebAppSlow
                    expr: avg(avg_over_time(webapp_response_time_seconds[30s])) > 0.6
                    for: 10s
                    labels: { severity: warning }
            """, TestContext.Current.CancellationToken);
        var targets = temp.File("webapp.json");
        await File.WriteAllTextAsync(targets, """[{"targets":["127.0.0.1:8001"],"labels":{}}]""", TestContext.Current.CancellationToken);
        var options = new PrometheusServerOptions
        {
            WorkingDirectory = temp.Path,
            ScrapeInterval = TimeSpan.FromSeconds(1),
            EvaluationInterval = TimeSpan.FromSeconds(1),
            WebAppTargetsFile = targets,
            StaticJobs = { ["gateway"] = ["127.0.0.1:8000"], ["scaler"] = ["127.0.0.1:8080"] },
            AlertmanagerTargets = ["127.0.0.1:9093"],
        };
        var configFile = temp.File("prometheus.yml");
        await File.WriteAllTextAsync(configFile, PrometheusConfig.Render(options, "127.0.0.1:9090", [rules]), TestContext.Current.CancellationToken);

        var (exitCode, output) = await Tool.RunAsync(promtool, ["check", "config", configFile]);

        Assert.True(exitCode == 0, $"promtool check config failed:\n{output}\n--- prometheus.yml ---\n{await File.ReadAllTextAsync(configFile, TestContext.Current.CancellationToken)}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        Assert.Contains("1 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_names_every_job_with_its_discovery()
    {
        var yaml = PrometheusConfig.Render(
            new PrometheusServerOptions
            {
                WorkingDirectory = "/tmp/x",
                WebAppTargetsFile = "/tmp/x/webapp.json",
                StaticJobs = { ["gateway"] = ["127.0.0.1:8000"] },
            },
            "127.0.0.1:9090",
            []);

        Assert.Contains("job_name: \"prometheus\"", yaml, StringComparison.Ordinal);
        Assert.Contains("job_name: \"webapp\"\n    file_sd_configs:\n      - files: [\"/tmp/x/webapp.json\"]", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("job_name: \"gateway\"\n    static_configs:\n      - targets: [\"127.0.0.1:8000\"]", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("rule_files", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("alerting", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "1s", "1s")]
    [InlineData(5, "5s", "5s")]
    [InlineData(30, "30s", "10s")]
    [InlineData(0.5, "500ms", "500ms")]
    public void Scrape_timeout_never_exceeds_the_interval(double seconds, string interval, string timeout)
    {
        var yaml = PrometheusConfig.Render(
            new PrometheusServerOptions { WorkingDirectory = "/tmp/x", ScrapeInterval = TimeSpan.FromSeconds(seconds) }, "127.0.0.1:9090", []);

        Assert.Contains($"scrape_interval: {interval}\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"scrape_timeout: {timeout}\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
