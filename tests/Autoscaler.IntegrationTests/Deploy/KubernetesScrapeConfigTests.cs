using System.Globalization;
using System.Text.Json;
using Autoscaler.Prometheus.Api;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// The scrape job of deploy/kubernetes run by a real Prometheus against a real replica. There is no cluster, so
/// discovery comes from a file that carries exactly the labels Kubernetes pod discovery attaches
/// (<c>__meta_kubernetes_pod_annotation_…</c>, phase, app label); the relabeling under test is the shipped one.
/// </summary>
public sealed class KubernetesScrapeConfigTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Annotated_running_pods_are_scraped_on_their_annotated_port_as_job_webapp_or_scaler_and_the_others_are_dropped()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var dir = new TempDirectory("kube-scrape");
        var (replica, url) = await AutoscalerProcess.StartWebAppAsync("--instance-id", "webapp-5d8c7-x2x9k");
        await using var running = replica;

        // As pod discovery describes the pods: the address is the pod IP with its declared container port (here a
        // port nothing listens on), so only the prometheus.io/port annotation can lead to the replica.
        var pods = new object[]
        {
            Pod("127.0.0.1:1", "webapp-5d8c7-x2x9k", "webapp", "Running", url.Port),
            Pod("127.0.0.1:2", "webapp-5d8c7-pend1", "webapp", "Pending", url.Port),
            Pod("127.0.0.1:3", "prometheus-7f9b-abcde", "prometheus", "Running", port: null),

            // The scaler's pod is app=autoscaler; the alert rules know it as job scaler, as every other mode names it.
            // (Any /metrics will do for the job label: the replica's.)
            Pod("127.0.0.1:4", "autoscaler-6c4d9-q7r2m", "autoscaler", "Running", url.Port),
        };
        await File.WriteAllTextAsync(dir.File("pods.json"), JsonSerializer.Serialize(pods), Ct);
        var (config, _) = KubernetesManifests.WithFileSd(dir.File("pods.json"), scrapeInterval: "1s");
        await File.WriteAllTextAsync(dir.File("prometheus.yml"), config, Ct);
        await File.WriteAllTextAsync(dir.File("alert_rules.yml"), KubernetesManifests.AlertRulesYml, Ct);

        var port = FreePorts.Next();
        await using var prometheus = BackgroundProgram.Start(
            binary, $"--config.file={dir.File("prometheus.yml")}", $"--storage.tsdb.path={dir.File("data")}", $"--web.listen-address=127.0.0.1:{port}");
        using var client = new PrometheusClient(new PrometheusClientOptions { Url = $"http://127.0.0.1:{port}/", Timeout = TimeSpan.FromSeconds(5) });
        var deadline = TimeProvider.System.GetTimestamp();
        PrometheusTarget? scraped = null;
        PrometheusTarget? scaler = null;
        while (scraped is not { IsUp: true })
        {
            Assert.False(prometheus.HasExited, $"prometheus exited:\n{prometheus.Output}");
            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(60), $"no successful scrape of the replica within 60 s; last: {scraped}\n{prometheus.Output}");
            await Task.Delay(250, Ct);
            var targets = await client.GetTargetsAsync(Ct);
            var pool = targets.Value?.Where(t => t.ScrapePool == "kubernetes-pods").ToList() ?? [];
            Assert.True(pool.Count <= 2, $"expected the webapp and the scaler pods in kubernetes-pods, got {string.Join(", ", pool.Select(t => t.ScrapeUrl))}");
            scraped = pool.Count == 2 && pool.All(t => t.IsUp) ? pool.Single(t => t.Labels["pod"] == "webapp-5d8c7-x2x9k") : null;
            scaler = pool.SingleOrDefault(t => t.Labels["pod"] == "autoscaler-6c4d9-q7r2m");
        }

        Assert.Equal(new Uri(url, "/metrics").ToString(), scraped.ScrapeUrl);
        Assert.Equal("webapp", scraped.Labels["job"]);
        Assert.Equal("webapp-5d8c7-x2x9k", scraped.Labels["pod"]);
        Assert.Equal("webapp-5d8c7-x2x9k", scraped.Labels["instance"]);
        Assert.Equal("autoscaler-demo", scraped.Labels["namespace"]);
        Assert.Equal("scaler", scaler!.Labels["job"]);

        // The shipped rules are loaded from beside prometheus.yml, as the ConfigMap mounts them.
        using var http = new HttpClient();
        var rules = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/rules"), Ct);
        Assert.Contains("\"name\":\"ScalerDown\"", rules, StringComparison.Ordinal);

        // What the scaler and the shipped alert rules ask for is there.
        var workers = await client.QueryScalarAsync("webapp_workers{job=\"webapp\"}", Ct);
        Assert.True(workers.Succeeded, workers.Message);
        Assert.Equal(4, workers.Value);
        var up = await client.QueryScalarAsync("up{job=\"webapp\"}", Ct);
        Assert.Equal(1, up.Value);
    }

    private static Dictionary<string, object> Pod(string address, string name, string app, string phase, int? port)
    {
        var labels = new Dictionary<string, string>
        {
            ["__meta_kubernetes_namespace"] = "autoscaler-demo",
            ["__meta_kubernetes_pod_name"] = name,
            ["__meta_kubernetes_pod_phase"] = phase,
            ["__meta_kubernetes_pod_label_app"] = app,
        };
        if (port is { } p)
        {
            labels["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = "true";
            labels["__meta_kubernetes_pod_annotation_prometheus_io_port"] = p.ToString(CultureInfo.InvariantCulture);
            labels["__meta_kubernetes_pod_annotation_prometheus_io_path"] = "/metrics";
        }

        return new Dictionary<string, object> { ["targets"] = new[] { address }, ["labels"] = labels };
    }
}
