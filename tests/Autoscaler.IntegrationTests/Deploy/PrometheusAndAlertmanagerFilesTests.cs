using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// Every Prometheus configuration, alert rule file and Alertmanager configuration shipped under deploy/ passes the
/// real checkers (promtool, amtool). Files are recognised by their content, so a new one is checked without a new
/// test. A file the Compose stack mounts into a container is checked in a copy of that container's layout, so its
/// paths (rule_files relative to /etc/prometheus) resolve as they will there.
/// </summary>
public sealed class PrometheusAndAlertmanagerFilesTests
{
    public static TheoryData<string> PrometheusConfigs() => [.. DeployFiles.AllYaml().Where(f => Kind(f) == FileKind.PrometheusConfig)];

    public static TheoryData<string> RuleFiles() => [.. DeployFiles.AllYaml().Where(f => Kind(f) == FileKind.Rules)];

    public static TheoryData<string> AlertmanagerConfigs() => [.. DeployFiles.AllYaml().Where(f => Kind(f) == FileKind.AlertmanagerConfig)];

    [Fact]
    public void The_shipped_files_are_found()
    {
        Assert.Contains("deploy/compose/prometheus.yml", PrometheusConfigs().Select(r => r.Data));
        Assert.Contains("deploy/prometheus/alert_rules.yml", RuleFiles().Select(r => r.Data));
        Assert.Contains("deploy/alertmanager/alertmanager.yml", AlertmanagerConfigs().Select(r => r.Data));
        Assert.Contains("deploy/compose/alertmanager.yml", AlertmanagerConfigs().Select(r => r.Data));
    }

    [Theory]
    [MemberData(nameof(PrometheusConfigs))]
    public async Task Prometheus_config_passes_promtool_check_config(string file)
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");
        using var layout = new TempDirectory("deploy-check");
        var path = InContainerLayout(file, layout) ?? RepositoryRoot.File(file);

        var (exit, output) = await Tool.RunAsync(promtool, ["check", "config", path]);

        Assert.True(exit == 0, $"promtool check config {file}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public async Task Alert_rules_pass_promtool_check_rules(string file)
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");

        var (exit, output) = await Tool.RunAsync(promtool, ["check", "rules", RepositoryRoot.File(file)]);

        Assert.True(exit == 0, $"promtool check rules {file}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AlertmanagerConfigs))]
    public async Task Alertmanager_config_passes_amtool_check_config(string file)
    {
        var amtool = RequiredBinary.Find("amtool", "apt-get install prometheus-alertmanager");
        using var layout = new TempDirectory("deploy-check");
        var path = InContainerLayout(file, layout) ?? RepositoryRoot.File(file);

        var (exit, output) = await Tool.RunAsync(amtool, ["check-config", path]);

        Assert.True(exit == 0, $"amtool check-config {file}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_alerting_routes_every_alert_to_the_scalers_webhook()
    {
        var receivers = DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/compose/alertmanager.yml"), "receivers"));
        var route = DeployFiles.Str(DeployFiles.Get(DeployFiles.Load("deploy/compose/alertmanager.yml"), "route", "receiver"));

        var receiver = Assert.Single(receivers, r => DeployFiles.Str(DeployFiles.Get(r, "name")) == route);
        var hook = Assert.Single(DeployFiles.Seq(DeployFiles.Get(receiver, "webhook_configs")));
        Assert.Equal("http://scaler:8080/api/v1/alerts", DeployFiles.Str(DeployFiles.Get(hook, "url")));
    }

    [Fact]
    public void Compose_Prometheus_finds_replicas_by_DNS_every_5_s_with_the_shipped_rules()
    {
        var config = DeployFiles.Load("deploy/compose/prometheus.yml");
        Assert.Equal("5s", DeployFiles.Str(DeployFiles.Get(config, "global", "scrape_interval")));
        Assert.Equal("5s", DeployFiles.Str(DeployFiles.Get(config, "global", "evaluation_interval")));
        var webapp = Assert.Single(DeployFiles.Seq(DeployFiles.Get(config, "scrape_configs")), j => DeployFiles.Str(DeployFiles.Get(j, "job_name")) == "webapp");
        var dns = Assert.Single(DeployFiles.Seq(DeployFiles.Get(webapp, "dns_sd_configs")));
        Assert.Equal(["webapp"], DeployFiles.Seq(DeployFiles.Get(dns, "names")).Select(DeployFiles.Str));
        Assert.Equal("A", DeployFiles.Str(DeployFiles.Get(dns, "type")));
        Assert.Equal("8000", DeployFiles.Str(DeployFiles.Get(dns, "port")));

        // The rules Prometheus loads in the container are the shipped ones.
        var mounts = DeployFiles.BindMounts(DeployFiles.ComposeServices()["prometheus"]).ToList();
        Assert.Contains(("deploy/prometheus/alert_rules.yml", "/etc/prometheus/alert_rules.yml"), mounts);
        Assert.Equal(["alert_rules.yml"], DeployFiles.Seq(DeployFiles.Get(config, "rule_files")).Select(DeployFiles.Str));
    }

    /// <summary>
    /// When the Compose file mounts <paramref name="file"/> into a service, copies every file that service mounts to
    /// the same paths under <paramref name="layout"/> and returns the copy of <paramref name="file"/>; null otherwise.
    /// </summary>
    private static string? InContainerLayout(string file, TempDirectory layout)
    {
        foreach (var service in DeployFiles.ComposeServices().Values)
        {
            var mounts = DeployFiles.BindMounts(service).Where(m => !m.Source.StartsWith('/')).ToList();
            if (!mounts.Any(m => m.Source == file))
            {
                continue;
            }

            foreach (var (source, target) in mounts.Where(m => File.Exists(RepositoryRoot.File(m.Source))))
            {
                var copy = Path.Combine(layout.Path, target.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(RepositoryRoot.File(source), copy);
            }

            return Path.Combine(layout.Path, mounts.First(m => m.Source == file).Target.TrimStart('/'));
        }

        return null;
    }

    private enum FileKind
    {
        Other,
        PrometheusConfig,
        Rules,
        AlertmanagerConfig,
    }

    private static FileKind Kind(string file)
    {
        var root = DeployFiles.MapOrNull(DeployFiles.Load(file));
        if (root is null)
        {
            return FileKind.Other;
        }

        if (root.ContainsKey("scrape_configs"))
        {
            return FileKind.PrometheusConfig;
        }

        if (root.ContainsKey("route") && root.ContainsKey("receivers"))
        {
            return FileKind.AlertmanagerConfig;
        }

        return root.TryGetValue("groups", out var groups) && DeployFiles.Seq(groups).All(g => DeployFiles.Get(g, "rules") is not null) && DeployFiles.Seq(groups).Count > 0
            ? FileKind.Rules
            : FileKind.Other;
    }
}
