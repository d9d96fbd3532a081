using k8s;
using k8s.Models;
using Autoscaler.Testing;
using YamlDotNet.Serialization;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>deploy/kubernetes as shipped: valid objects, least-privilege RBAC, labels and ports that line up, a Prometheus configuration promtool accepts.</summary>
public sealed class KubernetesManifestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Every_manifest_loads_into_the_clients_typed_models_and_the_kustomization_lists_every_file()
    {
        var kinds = KubernetesManifests.Files.SelectMany(KubernetesManifests.Load).Select(o => ((IKubernetesObject)o).Kind).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["ConfigMap", "Deployment", "Deployment", "Deployment", "Namespace", "PodDisruptionBudget", "Role", "Role", "RoleBinding", "RoleBinding", "Service", "Service", "Service", "ServiceAccount", "ServiceAccount"],
            kinds);
        var kustomization = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(KubernetesManifests.Kustomization));
        Assert.Equal(
            KubernetesManifests.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal),
            ((List<object>)kustomization["resources"]).Cast<string>().Order(StringComparer.Ordinal));
        Assert.Equal(KubernetesManifests.Single<V1Namespace>("autoscaler-demo").Metadata.Name, kustomization["namespace"]);
    }

    [Fact]
    public void The_scaler_runs_as_a_service_account_that_may_only_get_and_patch_the_scale_of_the_workload_it_scales_and_hold_its_lease()
    {
        var scaler = KubernetesManifests.Single<V1Deployment>("autoscaler");
        var pod = scaler.Spec.Template.Spec;
        var args = Assert.Single(pod.Containers).Args;
        var account = pod.ServiceAccountName;

        Assert.Equal("autoscaler", account);
        Assert.Equal(["scaler", "--target", "kubernetes"], args.Take(3));
        Assert.Equal("Deployment", KubernetesManifests.Flag(args, "--kube-kind"));
        var workload = KubernetesManifests.Flag(args, "--kube-name");
        Assert.Equal("webapp", workload);
        var scaled = Assert.Single(KubernetesManifests.All.OfType<V1Deployment>(), d => d.Metadata.Name == workload);
        Assert.Null(scaled.Spec.Replicas); // re-applying the manifests must not reset what the scaler set

        var binding = Assert.Single(KubernetesManifests.All.OfType<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account));
        Assert.Equal("Role", binding.RoleRef.Kind); // namespaced, not a ClusterRole
        var role = KubernetesManifests.Single<V1Role>(binding.RoleRef.Name);
        Assert.Equal(3, role.Rules.Count);
        var rule = Assert.Single(role.Rules, r => r.ApiGroups.SequenceEqual(["apps"]));
        Assert.Equal(["deployments/scale"], rule.Resources);
        Assert.Equal([workload], rule.ResourceNames);
        Assert.Equal(["get", "patch"], rule.Verbs);
        Assert.Null(rule.NonResourceURLs);

        // The Lease: read and renew only the one named by --leader-lease; create cannot be restricted by name.
        var lease = KubernetesManifests.Flag(args, "--leader-lease");
        var leases = role.Rules.Where(r => r.ApiGroups.SequenceEqual(["coordination.k8s.io"])).ToList();
        Assert.Equal(2, leases.Count);
        Assert.All(leases, r => Assert.Equal(["leases"], r.Resources));
        var named = Assert.Single(leases, r => r.ResourceNames is not null);
        Assert.Equal([lease], named.ResourceNames);
        Assert.Equal(["get", "update"], named.Verbs);
        Assert.Equal(["create"], Assert.Single(leases, r => r.ResourceNames is null).Verbs);

        Assert.DoesNotContain(KubernetesManifests.All, o => ((IKubernetesObject)o).Kind is "ClusterRole" or "ClusterRoleBinding");
        var discovery = Assert.Single(KubernetesManifests.Single<V1Role>("prometheus-discovery").Rules);
        Assert.Equal(["pods"], discovery.Resources);
        Assert.Equal(["get", "list", "watch"], discovery.Verbs);
        Assert.False(KubernetesManifests.Single<V1Deployment>("webapp").Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void Two_scalers_elect_a_leader_on_a_lease_named_after_their_pods_and_a_disruption_budget_keeps_one_running()
    {
        var scaler = KubernetesManifests.Single<V1Deployment>("autoscaler");
        var container = Assert.Single(scaler.Spec.Template.Spec.Containers);

        Assert.Equal(2, scaler.Spec.Replicas);
        Assert.Equal("kubernetes", KubernetesManifests.Flag(container.Args, "--leader-election"));
        Assert.Equal("autoscaler", KubernetesManifests.Flag(container.Args, "--leader-lease"));
        Assert.Equal("metadata.name", Assert.Single(container.Env, e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", Assert.Single(container.Env, e => e.Name == "POD_NAMESPACE").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("RollingUpdate", scaler.Spec.Strategy.Type);
        Assert.Equal("0", scaler.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);

        var budget = KubernetesManifests.Single<V1PodDisruptionBudget>("autoscaler");
        Assert.Equal("1", budget.Spec.MinAvailable.Value);
        Assert.Null(budget.Spec.MaxUnavailable);
        Assert.All(budget.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, scaler.Spec.Template.Metadata.Labels[l.Key]));
    }

    [Theory]
    [InlineData("webapp", 8000)]
    [InlineData("autoscaler", 8080)]
    public void Pods_are_annotated_for_scraping_on_the_port_they_listen_on_and_a_service_selects_them(string name, int servicePort)
    {
        var deployment = KubernetesManifests.Single<V1Deployment>(name);
        var template = deployment.Spec.Template;
        var container = Assert.Single(template.Spec.Containers);
        var http = Assert.Single(container.Ports, p => p.Name == "http");
        var annotations = template.Metadata.Annotations;

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(http.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        Assert.Equal($"http://0.0.0.0:{http.ContainerPort}", KubernetesManifests.Flag(container.Args, "--urls"));
        Assert.All(deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, template.Metadata.Labels[l.Key]));

        var service = KubernetesManifests.Single<V1Service>(name);
        Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, template.Metadata.Labels[l.Key]));
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(servicePort, port.Port);
        Assert.Equal("http", port.TargetPort.Value);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
    }

    [Fact]
    public void The_scaler_queries_the_prometheus_service_of_the_manifests()
    {
        var args = Assert.Single(KubernetesManifests.Single<V1Deployment>("autoscaler").Spec.Template.Spec.Containers).Args;
        var prometheus = KubernetesManifests.Single<V1Service>("prometheus");

        Assert.Equal($"http://{prometheus.Metadata.Name}:{Assert.Single(prometheus.Spec.Ports).Port}", KubernetesManifests.Flag(args, "--prometheus-url"));
        Assert.Equal("--config.file=/etc/prometheus/prometheus.yml", Assert.Single(KubernetesManifests.Single<V1Deployment>("prometheus").Spec.Template.Spec.Containers).Args[0]);
    }

    [Fact]
    public async Task The_scaler_arguments_of_the_manifest_are_accepted_by_the_real_command()
    {
        var args = Assert.Single(KubernetesManifests.Single<V1Deployment>("autoscaler").Spec.Template.Spec.Containers).Args;

        // Every flag is parsed and validated before anything connects; one deliberately bad value makes it stop
        // there, so the only problem reported proves the manifest's own arguments are all accepted.
        await using var process = AutoscalerProcess.Start([.. args, "--kube-namespace", "Not_A_Namespace"]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("autoscaler scaler: invalid configuration: KubernetesTarget:Namespace = Not_A_Namespace: not a Kubernetes namespace (lower-case letters, digits and '-', at most 63)", line);
    }

    [Fact]
    public async Task The_prometheus_configuration_passes_promtool_check_config()
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");
        using var dir = new TempDirectory("kube-promtool");
        var original = dir.File("prometheus.yml");
        await KubernetesManifests.WriteConfigMapAsync(dir.Path, Ct);

        var (exitCode, output) = await Tool.RunAsync(promtool, ["check", "config", original]);
        if (exitCode != 0 && output.Contains("field kubernetes_sd_configs not found", StringComparison.Ordinal))
        {
            // Debian builds Prometheus without Kubernetes discovery. Check everything else with promtool (relabel
            // rules, regexes, intervals), with discovery swapped for a file, and the Kubernetes block by its fields.
            var (withFile, sd) = KubernetesManifests.WithFileSd(dir.File("pods.json"));
            await File.WriteAllTextAsync(dir.File("pods.json"), "[]", Ct);
            await File.WriteAllTextAsync(original, withFile, Ct);
            (exitCode, output) = await Tool.RunAsync(promtool, ["check", "config", original]);
            Assert.Equal("pod", sd["role"]);
            Assert.Equal(["namespaces"], sd.Keys.Where(k => !Equals(k, "role")));
            Assert.Equal(new Dictionary<object, object> { ["own_namespace"] = "true" }, (Dictionary<object, object>)sd["namespaces"]);
        }

        Assert.True(exitCode == 0, $"promtool check config failed:\n{output}\n--- prometheus.yml ---\n{await File.ReadAllTextAsync(original, Ct)}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_exported_as_hpa_loads_as_a_HorizontalPodAutoscaler_for_the_shipped_webapp()
    {
        await using var export = AutoscalerProcess.Start("export", "hpa", Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml"), "--name", "webapp");
        Assert.Equal(0, await export.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var hpa = KubernetesYaml.Deserialize<V2HorizontalPodAutoscaler>(export.StandardOutput, strict: true);

        Assert.Equal("autoscaling/v2", hpa.ApiVersion);
        Assert.Equal("HorizontalPodAutoscaler", hpa.Kind);
        var webapp = KubernetesManifests.Single<V1Deployment>("webapp");
        Assert.Equal((webapp.ApiVersion, webapp.Kind, webapp.Metadata.Name), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Equal((1, 6), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
        Assert.Equal(["rps"], hpa.Spec.Metrics.Select(m => m.External.Metric.Name));
        Assert.Equal("30", hpa.Spec.Metrics[0].External.Target.AverageValue.ToString());
        Assert.Equal("sum(irate(webapp_request_count_total[30s]))", hpa.Metadata.Annotations["autoscaler.dev/query.rps"]);
        Assert.Equal(60, hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(0, hpa.Spec.Behavior.ScaleUp.StabilizationWindowSeconds);
    }
}
