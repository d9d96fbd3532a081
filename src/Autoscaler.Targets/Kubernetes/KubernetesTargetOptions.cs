using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Autoscaler.Targets.Kubernetes;

/// <summary>Options of the Kubernetes target: which workload's <c>scale</c> subresource to read and patch, and how to reach the API server.</summary>
public sealed class KubernetesTargetOptions
{
    /// <summary>Configuration section (environment: <c>KubernetesTarget__Name=webapp</c>).</summary>
    public const string Section = "KubernetesTarget";

    /// <summary>The workload kind: <c>Deployment</c> or <c>StatefulSet</c>.</summary>
    [Required]
    public string Kind { get; set; } = WorkloadKinds.Deployment;

    /// <summary>The workload's name (<c>metadata.name</c>); required.</summary>
    public string? Name { get; set; }

    /// <summary>Its namespace; unset means the kubeconfig context's namespace, in a cluster the pod's own, else <c>default</c>.</summary>
    public string? Namespace { get; set; }

    /// <summary>A kubeconfig file; unset means <c>KUBECONFIG</c>, then the in-cluster service account, then <c>~/.kube/config</c>.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use instead of its <c>current-context</c>.</summary>
    public string? Context { get; set; }

    /// <summary>How long one API request may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The workload kinds whose <c>scale</c> subresource the target knows.</summary>
public static class WorkloadKinds
{
    /// <summary>apps/v1 Deployment.</summary>
    public const string Deployment = "Deployment";

    /// <summary>apps/v1 StatefulSet.</summary>
    public const string StatefulSet = "StatefulSet";

    /// <summary>The canonical spelling of <paramref name="kind"/> (any case), or null when it is not a known kind.</summary>
    public static string? Normalize(string? kind) =>
        string.Equals(kind, Deployment, StringComparison.OrdinalIgnoreCase) ? Deployment
        : string.Equals(kind, StatefulSet, StringComparison.OrdinalIgnoreCase) ? StatefulSet
        : null;
}

/// <summary>Checks the kind and that the name and namespace are names the API server accepts.</summary>
public sealed class KubernetesTargetOptionsValidator : IValidateOptions<KubernetesTargetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KubernetesTargetOptions options)
    {
        var problems = new List<string>();
        if (WorkloadKinds.Normalize(options.Kind) is null)
        {
            problems.Add($"{name}:Kind = {options.Kind}: use {WorkloadKinds.Deployment} or {WorkloadKinds.StatefulSet}");
        }

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            problems.Add($"{name}:Name is not set: name the {options.Kind} to scale (--kube-name NAME)");
        }
        else if (options.Name is var workload && !KubernetesNames.IsObjectName(workload))
        {
            problems.Add($"{name}:Name = {workload}: not a Kubernetes object name (lower-case letters, digits, '-' and '.', at most 253)");
        }

        if (options.Namespace is { } ns && !KubernetesNames.IsNamespace(ns))
        {
            problems.Add($"{name}:Namespace = {ns}: not a Kubernetes namespace (lower-case letters, digits and '-', at most 63)");
        }

        if (options.Kubeconfig is { } file && !File.Exists(file))
        {
            problems.Add($"{name}:Kubeconfig = {file}: no such file");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>The names the API server accepts, checked before anything is sent.</summary>
public static partial class KubernetesNames
{
    /// <summary>A DNS subdomain: the name of a Deployment, StatefulSet or Lease.</summary>
    public static bool IsObjectName(string name) => name.Length <= 253 && Subdomain().IsMatch(name);

    /// <summary>A DNS label: a namespace.</summary>
    public static bool IsNamespace(string name) => name.Length <= 63 && Label().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
