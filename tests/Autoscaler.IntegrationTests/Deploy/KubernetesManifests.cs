using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>The shipped manifests in deploy/kubernetes, loaded strictly into the official client's typed models.</summary>
internal static class KubernetesManifests
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "deploy", "kubernetes");

    public static string Kustomization => Path.Combine(Directory, "kustomization.yaml");

    /// <summary>Every manifest file except kustomization.yaml (which is not a Kubernetes object).</summary>
    public static IReadOnlyList<string> Files =>
        [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Where(f => f != Kustomization).Order(StringComparer.Ordinal)];

    /// <summary>Strict: a misspelt field or an unknown kind fails instead of being dropped.</summary>
    public static IReadOnlyList<object> Load(string file) => KubernetesYaml.LoadAllFromString(File.ReadAllText(file), strict: true);

    /// <summary>Every object of every manifest, parsed once (the tests only read them).</summary>
    public static IReadOnlyList<object> All { get; } = [.. Files.SelectMany(Load)];

    public static T Single<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(All.OfType<T>(), o => o.Metadata.Name == name);

    /// <summary>The value after <paramref name="flag"/> in a container's args.</summary>
    public static string? Flag(IList<string> args, string flag) =>
        args.IndexOf(flag) is var i and >= 0 && i + 1 < args.Count ? args[i + 1] : null;

    /// <summary>prometheus.yml as the ConfigMap carries it.</summary>
    public static string PrometheusYml => Single<V1ConfigMap>("prometheus-config").Data["prometheus.yml"];

    /// <summary>The alert rules the ConfigMap carries beside prometheus.yml (mounted next to it, so its rule_files finds them).</summary>
    public static string AlertRulesYml => Single<V1ConfigMap>("prometheus-config").Data["alert_rules.yml"];

    /// <summary>Writes every file of the ConfigMap into <paramref name="directory"/>, as the Deployment mounts them.</summary>
    public static async Task WriteConfigMapAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var (name, text) in Single<V1ConfigMap>("prometheus-config").Data)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, name), text, cancellationToken);
        }
    }

    /// <summary>prometheus.yml with every <c>kubernetes_sd_configs</c> replaced by a file_sd file, for a Prometheus outside a cluster.</summary>
    public static (string Yaml, Dictionary<object, object> KubernetesSd) WithFileSd(string targetsFile, string? scrapeInterval = null)
    {
        var config = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(PrometheusYml);
        var job = ((List<object>)config["scrape_configs"]).Cast<Dictionary<object, object>>().Single(j => j.ContainsKey("kubernetes_sd_configs"));
        var sd = (Dictionary<object, object>)Assert.Single((List<object>)job["kubernetes_sd_configs"]);
        job.Remove("kubernetes_sd_configs");
        job["file_sd_configs"] = new List<object> { new Dictionary<object, object> { ["files"] = new List<object> { targetsFile } } };
        if (scrapeInterval is not null)
        {
            ((Dictionary<object, object>)config["global"])["scrape_interval"] = scrapeInterval;
        }

        return (new SerializerBuilder().Build().Serialize(config), sd);
    }
}
