using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Autoscaler.Targets.Kubernetes;

/// <summary>No usable way to reach the cluster: the message names what was tried and what to pass.</summary>
public sealed class KubernetesConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Finds the client configuration the way <c>kubectl</c> users expect, first match wins: <c>--kubeconfig</c>,
/// the files in <c>KUBECONFIG</c> (merged, first one wins), the pod's service account when running in a cluster
/// (unless a context was asked for), then <c>~/.kube/config</c>.
/// </summary>
internal static class KubernetesConnection
{
    public static (KubernetesClientConfiguration Config, string Source) Load(KubernetesTargetOptions options) =>
        Load(options, Environment.GetEnvironmentVariable("KUBECONFIG"), KubernetesClientConfiguration.IsInCluster, KubernetesClientConfiguration.KubeConfigDefaultLocation);

    public static (KubernetesClientConfiguration Config, string Source) Load(
        KubernetesTargetOptions options, string? kubeconfigVariable, Func<bool> isInCluster, string defaultKubeconfig)
    {
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            return FromFiles([options.Kubeconfig], options.Context, "--kubeconfig");
        }

        if (!string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            return FromFiles(kubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), options.Context, "KUBECONFIG");
        }

        if (string.IsNullOrWhiteSpace(options.Context) && isInCluster())
        {
            try
            {
                return (KubernetesClientConfiguration.InClusterConfig(), "in-cluster service account");
            }
            catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException)
            {
                throw new KubernetesConfigurationException($"in-cluster configuration: {e.Message}", e);
            }
        }

        if (File.Exists(defaultKubeconfig))
        {
            return FromFiles([defaultKubeconfig], options.Context, "default kubeconfig");
        }

        throw new KubernetesConfigurationException(string.IsNullOrWhiteSpace(options.Context)
            ? $"no Kubernetes credentials: not running in a cluster (no service account token mounted) and no {defaultKubeconfig}; pass --kubeconfig FILE or set KUBECONFIG"
            : $"--kube-context {options.Context} needs a kubeconfig and there is none at {defaultKubeconfig}; pass --kubeconfig FILE or set KUBECONFIG");
    }

    private static (KubernetesClientConfiguration, string) FromFiles(IReadOnlyList<string> paths, string? context, string origin)
    {
        var shown = string.Join(Path.PathSeparator, paths);
        var existing = paths.Where(File.Exists).ToList();
        if (existing.Count == 0)
        {
            throw new KubernetesConfigurationException($"kubeconfig {shown} (from {origin}): no such file");
        }

        try
        {
            var merged = existing.Select(p => KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(p), useRelativePaths: true)).Aggregate(Merge);
            if (string.IsNullOrWhiteSpace(context) && string.IsNullOrWhiteSpace(merged.CurrentContext))
            {
                throw new KubernetesConfigurationException($"kubeconfig {shown}: no current-context is set; choose one with --kube-context NAME");
            }

            var config = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, string.IsNullOrWhiteSpace(context) ? null : context);
            return (config, $"kubeconfig {string.Join(Path.PathSeparator, existing)}, context {config.CurrentContext}");
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or FormatException
            or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            throw new KubernetesConfigurationException($"kubeconfig {shown}: {e.Message}", e);
        }
    }

    // As kubectl merges KUBECONFIG: the first file to name a cluster, user or context wins, and the first current-context.
    private static K8SConfiguration Merge(K8SConfiguration first, K8SConfiguration next) => new()
    {
        ApiVersion = first.ApiVersion ?? next.ApiVersion,
        Kind = first.Kind ?? next.Kind,
        FileName = first.FileName,
        CurrentContext = string.IsNullOrWhiteSpace(first.CurrentContext) ? next.CurrentContext : first.CurrentContext,
        Clusters = Union(first.Clusters, next.Clusters, c => c.Name),
        Users = Union(first.Users, next.Users, u => u.Name),
        Contexts = Union(first.Contexts, next.Contexts, c => c.Name),
        Preferences = first.Preferences ?? next.Preferences,
        Extensions = first.Extensions ?? next.Extensions,
    };

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? next, Func<T, string> name) =>
        [.. (first ?? []).Concat(next ?? []).DistinctBy(name, StringComparer.Ordinal)];
}
