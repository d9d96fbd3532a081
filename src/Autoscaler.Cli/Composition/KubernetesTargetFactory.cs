using System.CommandLine;
using Autoscaler.Targets.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary><c>autoscaler scaler --target kubernetes</c>: its flags, how they bind, and connecting to the cluster.</summary>
internal sealed class KubernetesTargetFactory
{
    private readonly Option<string?> _kind = new("--kube-kind") { Description = "With --target kubernetes: the workload kind, Deployment or StatefulSet [default: Deployment]" };
    private readonly Option<string?> _name = new("--kube-name") { Description = "With --target kubernetes: the Deployment or StatefulSet to scale (required)" };
    private readonly Option<string?> _namespace = new("--kube-namespace") { Description = "With --target kubernetes: its namespace [default: the kubeconfig context's, in a pod its own, else default]" };
    private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "With --target kubernetes: kubeconfig file [default: KUBECONFIG, in a pod its service account, else ~/.kube/config]" };
    private readonly Option<string?> _context = new("--kube-context") { Description = "With --target kubernetes: kubeconfig context [default: its current-context]" };

    public IEnumerable<Option> All => [_kind, _name, _namespace, _kubeconfig, _context];

    /// <summary>Binds and validates the options when <paramref name="target"/> is <see cref="TargetFlag.Kubernetes"/>; otherwise refuses any Kubernetes flag.</summary>
    public KubernetesTargetOptions? Bind(ParseResult parse, OptionsLoader loader, string target)
    {
        if (!TargetFlag.Selected(parse, loader, All, TargetFlag.Kubernetes, target))
        {
            return null;
        }

        return loader.Bind<KubernetesTargetOptions>(KubernetesTargetOptions.Section, o =>
        {
            parse.IfGiven(_kind, v => o.Kind = v!);
            parse.IfGiven(_name, v => o.Name = v);
            parse.IfGiven(_namespace, v => o.Namespace = v);
            parse.IfGiven(_kubeconfig, v => o.Kubeconfig = v);
            parse.IfGiven(_context, v => o.Context = v);
        }, new KubernetesTargetOptionsValidator());
    }

    /// <summary>
    /// Connects to the cluster and says what it scales, where and as whom; a configuration that cannot work is a
    /// usage error (exit code 2) before anything starts. API errors come later, in the loop, which keeps retrying.
    /// </summary>
    public static KubernetesTarget Create(KubernetesTargetOptions options, ILoggerFactory loggers)
    {
        try
        {
            var target = KubernetesTarget.Connect(options, loggers.CreateLogger<KubernetesTarget>());
            Console.Out.WriteLine($"scaling {target.Description}");
            return target;
        }
        catch (KubernetesConfigurationException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
