using System.Text.RegularExpressions;
using Autoscaler.Testing;
using k8s.Models;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// The shipped alert rules: their unit tests pass the real <c>promtool test rules</c>, every alert is covered by them,
/// is labelled and links its runbook section, and every mode's Prometheus loads them with the job names they use.
/// </summary>
public sealed partial class AlertRuleTests
{
    private const string Rules = "deploy/prometheus/alert_rules.yml";
    private const string RuleTests = "deploy/prometheus/alert_rules_test.yml";

    /// <summary>The alerts the operations issue asked for, beside the demo's own.</summary>
    private static readonly string[] OperationsAlerts = ["ScalerDown", "ScalerEvaluationsStalled", "ScalerScaleActionsFailing", "ScalerMaxedOut"];

    [Fact]
    public async Task The_rules_pass_their_unit_tests_in_promtool_test_rules()
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");

        var (exit, output) = await Tool.RunAsync(promtool, ["test", "rules", RepositoryRoot.File(RuleTests)]);

        Assert.True(exit == 0, $"promtool test rules {RuleTests}:\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_unit_test_where_it_fires_and_one_where_it_must_not()
    {
        var cases = DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load(RuleTests), "tests"))
            .SelectMany(t => DeployFiles.Seq(DeployFiles.Get(t, "alert_rule_test")))
            .Select(c => (Alert: DeployFiles.Str(DeployFiles.Get(c, "alertname"))!, Fires: DeployFiles.Seq(DeployFiles.Get(c, "exp_alerts")).Count > 0))
            .ToList();
        Assert.Equal(["alert_rules.yml"], DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load(RuleTests), "rule_files")).Select(DeployFiles.Str));

        Assert.All(OperationsAlerts, a => Assert.Contains(a, Alerts().Select(r => r.Name)));
        foreach (var (name, _) in Alerts())
        {
            Assert.True(cases.Any(c => c.Alert == name && c.Fires), $"{name}: no promtool case where it fires");
            Assert.True(cases.Any(c => c.Alert == name && !c.Fires), $"{name}: no promtool case where it must stay quiet");
        }

        Assert.All(cases, c => Assert.Contains(c.Alert, Alerts().Select(r => r.Name)));
    }

    [Fact]
    public async Task Every_alert_has_a_severity_and_a_runbook_url_to_its_own_section_of_docs_runbook_md()
    {
        var runbook = await File.ReadAllTextAsync(RepositoryRoot.File("docs/runbook.md"), TestContext.Current.CancellationToken);
        var sections = Heading().Matches(runbook).Select(m => m.Groups[1].Value).ToList();

        foreach (var (name, rule) in Alerts())
        {
            Assert.Contains(DeployFiles.Str(DeployFiles.Get(rule, "labels", "severity")), new[] { "warning", "critical" });
            var url = DeployFiles.Str(DeployFiles.Get(rule, "annotations", "runbook_url"));
            Assert.Equal($"docs/runbook.md#{name.ToLowerInvariant()}", url);
            Assert.Contains(name, sections); // GitHub's anchor of "## ScalerDown" is #scalerdown
            var section = runbook[runbook.IndexOf($"## {name}\n", StringComparison.Ordinal)..];
            section = section.IndexOf("\n## ", 3, StringComparison.Ordinal) is var end and > 0 ? section[..end] : section;
            foreach (var part in new[] { "**Means.**", "**Check.**", "**Do.**" })
            {
                Assert.Contains(part, section, StringComparison.Ordinal);
            }
        }

        Assert.All(OperationsAlerts, a => Assert.Equal("autoscaler", DeployFiles.Str(DeployFiles.Get(Alerts().Single(r => r.Name == a).Rule, "labels", "component"))));
    }

    [Fact]
    public void Compose_and_Kubernetes_load_the_shipped_rules_and_scrape_every_job_they_name()
    {
        var jobs = Alerts().SelectMany(a => JobMatcher().Matches(DeployFiles.Str(DeployFiles.Get(a.Rule, "expr"))!)).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(["scaler", "webapp"], jobs.Order(StringComparer.Ordinal));

        // Compose mounts the file itself (checked in PrometheusAndAlertmanagerFilesTests) and names its jobs statically.
        var compose = DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/compose/prometheus.yml"), "scrape_configs")).Select(j => DeployFiles.Str(DeployFiles.Get(j, "job_name"))).ToList();
        Assert.All(jobs, j => Assert.Contains(j, compose));

        // Kubernetes carries a copy in the ConfigMap, beside prometheus.yml, which loads it. Its jobs are the pods' app
        // labels; the scaler's pods (app=autoscaler) are relabelled to job scaler (run by a real Prometheus in
        // KubernetesScrapeConfigTests).
        var configMap = KubernetesManifests.Single<V1ConfigMap>("prometheus-config");
        Assert.Equal(File.ReadAllText(RepositoryRoot.File(Rules)), configMap.Data["alert_rules.yml"]);
        Assert.Contains("rule_files:\n  - alert_rules.yml\n", configMap.Data["prometheus.yml"], StringComparison.Ordinal);
        var apps = KubernetesManifests.All.OfType<V1Deployment>().Select(d => d.Spec.Template.Metadata.Labels["app"]).ToList();
        Assert.Contains("webapp", apps);
        Assert.Contains("autoscaler", apps);
    }

    private static List<(string Name, object? Rule)> Alerts() =>
        [.. DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load(Rules), "groups"))
            .SelectMany(g => DeployFiles.Seq(DeployFiles.Get(g, "rules")))
            .Where(r => DeployFiles.Get(r, "alert") is not null)
            .Select(r => (DeployFiles.Str(DeployFiles.Get(r, "alert"))!, r))];

    [GeneratedRegex(@"^## (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"job=""([^""]+)""")]
    private static partial Regex JobMatcher();
}
