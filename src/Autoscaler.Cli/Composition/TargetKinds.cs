using System.CommandLine;
using System.Text.Json;
using Autoscaler.Core.Scaling;
using Autoscaler.Prometheus.Api;
using Autoscaler.Targets.Ansible;
using Autoscaler.Targets.Compose;
using Autoscaler.Targets.Kubernetes;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>What a target is built with besides its own options.</summary>
/// <param name="Client">The scaler's Prometheus (the Ansible target counts replicas with a query).</param>
/// <param name="Loggers">Where the target logs.</param>
/// <param name="Listeners">Who hears of a local replica set's changes (a file_sd file, a gateway).</param>
internal sealed record TargetContext(PrometheusClient Client, ILoggerFactory Loggers, IReadOnlyList<IReplicaSetListener> Listeners);

/// <summary>
/// A target built from its options: what the loop scales, the replica set <c>PUT …/replicas</c> may set directly
/// (the local replicas; null for targets that run elsewhere), and how to let go of it. <see cref="Key"/> says what it
/// was built from, so a changed service file rebuilds the target only when its target settings changed.
/// </summary>
internal sealed class ScalerTarget(IScaleTarget target, IScaleTarget? replicaSet, string key, Func<ValueTask> dispose) : IAsyncDisposable
{
    public IScaleTarget Target => target;

    public IScaleTarget? ReplicaSet => replicaSet;

    public string Key => key;

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>
/// One kind of target: its name (the value of <c>--target</c> and of a service file's <c>target.kind</c>), its flags, how
/// its options bind (from flags and configuration, or from a service file), and how the target is built.
/// </summary>
internal sealed class TargetKind<TOptions>(
    string name,
    string section,
    IEnumerable<Option> flags,
    Func<ParseResult, OptionsLoader, string, TOptions?> bind,
    Func<OptionsLoader, TOptions> bindFile,
    Func<TOptions, TargetContext, ScalerTarget> create) : ITargetKind
    where TOptions : class
{
    public string Name => name;

    public string Section => section;

    public IEnumerable<Option> Flags => flags;

    public object? Bind(ParseResult parse, OptionsLoader loader, string selected) => bind(parse, loader, selected);

    public object BindFile(OptionsLoader loader) => bindFile(loader);

    public ScalerTarget Create(object options, TargetContext context) => create((TOptions)options, context);
}

/// <summary>A kind of target, whatever its options' type.</summary>
internal interface ITargetKind
{
    string Name { get; }

    /// <summary>The configuration section of its options (<c>LocalTarget</c>, …): a service file's target settings bind as it.</summary>
    string Section { get; }

    IEnumerable<Option> Flags { get; }

    /// <summary>Its options from the flags and configuration when <paramref name="selected"/> is this kind; otherwise null, and any of its flags given is a problem.</summary>
    object? Bind(ParseResult parse, OptionsLoader loader, string selected);

    /// <summary>Its options from a service file's target settings (<paramref name="loader"/> reads that file).</summary>
    object BindFile(OptionsLoader loader);

    ScalerTarget Create(object options, TargetContext context);
}

/// <summary>
/// Every kind of target the scaler can scale, in one place: <c>scaler</c> offers their flags and builds the one
/// <c>--target</c> names; a service file names one in <c>target.kind</c>.
/// </summary>
internal sealed class TargetKinds
{
    private static readonly JsonSerializerOptions KeyJson = new() { WriteIndented = false };

    private readonly ComposeTargetFactory _compose = new();
    private readonly KubernetesTargetFactory _kubernetes = new();
    private readonly AnsibleTargetFactory _ansible = new(forUp: false);

    public TargetKinds(Func<LocalTargetOptions> local)
    {
        All =
        [
            new TargetKind<LocalTargetOptions>(
                TargetFlag.Local, LocalTargetOptions.Section, [],
                (_, _, selected) => selected == TargetFlag.Local ? local() : null,
                loader => loader.Bind<LocalTargetOptions>(LocalTargetOptions.Section, null, new LocalTargetOptionsValidator()),
                (options, context) =>
                {
                    var replicas = new LocalProcessTarget(options, LocalProcessTarget.SelfCommand(), context.Listeners, TimeProvider.System, context.Loggers.CreateLogger<LocalProcessTarget>());
                    return new ScalerTarget(replicas, replicas, KeyOf(TargetFlag.Local, options), replicas.DisposeAsync);
                }),
            new TargetKind<AnsibleTargetOptions>(
                TargetFlag.Ansible, AnsibleTargetOptions.Section, _ansible.All,
                _ansible.Bind,
                loader =>
                {
                    var options = loader.Bind<AnsibleTargetOptions>(AnsibleTargetOptions.Section, null, new AnsibleTargetOptionsValidator());
                    foreach (var problem in AnsibleTargetFactory.Problems(options, AnsibleTargetFactory.ShippedLocalPlaybook()))
                    {
                        loader.Problem(problem);
                    }

                    return options;
                },
                (options, context) => Disposing(AnsibleTargetFactory.ForScaler(options, context.Client, context.Loggers), KeyOf(TargetFlag.Ansible, options))),
            new TargetKind<ComposeTargetOptions>(
                TargetFlag.Compose, ComposeTargetOptions.Section, _compose.All,
                _compose.Bind,
                loader => loader.Bind<ComposeTargetOptions>(ComposeTargetOptions.Section, null, new ComposeTargetOptionsValidator()),
                (options, context) => Disposing(ComposeTargetFactory.Create(options, context.Loggers), KeyOf(TargetFlag.Compose, options))),
            new TargetKind<KubernetesTargetOptions>(
                TargetFlag.Kubernetes, KubernetesTargetOptions.Section, _kubernetes.All,
                _kubernetes.Bind,
                loader => loader.Bind<KubernetesTargetOptions>(KubernetesTargetOptions.Section, null, new KubernetesTargetOptionsValidator()),
                (options, context) => Disposing(KubernetesTargetFactory.Create(options, context.Loggers), KeyOf(TargetFlag.Kubernetes, options))),
        ];
    }

    public IReadOnlyList<ITargetKind> All { get; }

    /// <summary>Every kind's flags.</summary>
    public IEnumerable<Option> Flags => All.SelectMany(k => k.Flags);

    /// <summary>The kind called <paramref name="name"/>, or null.</summary>
    public ITargetKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The names, for messages.</summary>
    public string Names => string.Join(", ", All.Select(k => k.Name));

    /// <summary>What a target of <paramref name="kind"/> with <paramref name="options"/> is built from, to compare with another's.</summary>
    public static string KeyOf(string kind, object options) => kind + ":" + JsonSerializer.Serialize(options, options.GetType(), KeyJson);

    private static ScalerTarget Disposing(IScaleTarget target, string key) => new(target, null, key, () =>
    {
        (target as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    });
}
