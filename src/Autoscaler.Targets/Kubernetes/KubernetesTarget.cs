using System.Net;
using System.Text.Json;
using Autoscaler.Core.Scaling;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Targets.Kubernetes;

/// <summary>A problem talking to the Kubernetes API, with a message that says what to do about it.</summary>
public sealed class KubernetesTargetException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Scales a Deployment or StatefulSet through its <c>scale</c> subresource: reads it, and sets
/// <c>spec.replicas</c> with a JSON merge patch. Only that subresource is touched, so the scaler needs
/// no more than get and patch on <c>deployments/scale</c> (or <c>statefulsets/scale</c>) of one object.
/// </summary>
/// <remarks>
/// The current count is <c>scale.spec.replicas</c>, the count last set, which is what the HorizontalPodAutoscaler
/// reads too (its controller takes <c>currentReplicas := scale.Spec.Replicas</c>). <c>status.replicas</c>, the pods
/// that exist, lags while pods start or stop: counted as current, every evaluation until they are there would
/// repeat the same change, and the behavior stage would take each repeat for one more scaling event (rate limits,
/// cooldowns). Capacity that is still starting is the behavior stage's concern (stabilization windows, cooldown),
/// as with the HPA. Every scale result says how many pods exist now.
/// </remarks>
public sealed partial class KubernetesTarget : IScaleTarget, IDisposable
{
    private const string FieldManager = "autoscaler";
    private readonly IKubernetes _client;
    private readonly bool _ownsClient;
    private readonly string _resource;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;

    /// <summary>Creates the target over an existing client; <see cref="Connect"/> builds one from the options.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="kind"><c>Deployment</c> or <c>StatefulSet</c>.</param>
    /// <param name="name">The workload's name.</param>
    /// <param name="namespace">Its namespace.</param>
    /// <param name="requestTimeout">The client's timeout per request, for messages.</param>
    /// <param name="logger">Where conflicts and retries are logged.</param>
    public KubernetesTarget(IKubernetes client, string kind, string name, string @namespace, TimeSpan requestTimeout, ILogger<KubernetesTarget> logger)
        : this(client, ownsClient: false, kind, name, @namespace, requestTimeout, logger)
    {
    }

    private KubernetesTarget(IKubernetes client, bool ownsClient, string kind, string name, string @namespace, TimeSpan requestTimeout, ILogger logger)
    {
        Kind = WorkloadKinds.Normalize(kind) ?? throw new ArgumentException($"unknown workload kind {kind}; use {WorkloadKinds.Deployment} or {WorkloadKinds.StatefulSet}", nameof(kind));
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        _client = client;
        _ownsClient = ownsClient;
        WorkloadName = name;
        Namespace = @namespace;
        _resource = Kind == WorkloadKinds.Deployment ? "deployments" : "statefulsets";
        _requestTimeout = requestTimeout;
        _logger = logger;
    }

    /// <summary>Connects as the options say: a kubeconfig (<c>--kubeconfig</c>, <c>KUBECONFIG</c>), the pod's service account, or <c>~/.kube/config</c>.</summary>
    /// <exception cref="KubernetesConfigurationException">No usable credentials, or a kubeconfig that cannot be used.</exception>
    public static KubernetesTarget Connect(KubernetesTargetOptions options, ILogger<KubernetesTarget> logger)
    {
        var (client, @namespace, server, source) = ConnectClient(options);
        return new KubernetesTarget(client, ownsClient: true, options.Kind, options.Name!, @namespace, options.RequestTimeout, logger)
        {
            Server = server,
            Credentials = source,
        };
    }

    /// <summary>
    /// A client connected as the options say (the same search as <see cref="Connect"/>), the namespace they name (else
    /// the context's, in a pod its own, else <c>default</c>), the API server's address and where the credentials came from.
    /// The leader election uses it for its Lease.
    /// </summary>
    /// <exception cref="KubernetesConfigurationException">No usable credentials, or a kubeconfig that cannot be used.</exception>
    public static (k8s.Kubernetes Client, string Namespace, string Server, string Source) ConnectClient(KubernetesTargetOptions options)
    {
        var (config, source) = KubernetesConnection.Load(options);
        config.HttpClientTimeout = options.RequestTimeout;
        var @namespace = !string.IsNullOrWhiteSpace(options.Namespace) ? options.Namespace
            : !string.IsNullOrWhiteSpace(config.Namespace) ? config.Namespace
            : "default";
        try
        {
            return (new k8s.Kubernetes(config), @namespace, config.Host, source);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new KubernetesConfigurationException($"{source}: cannot build a client: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public string Name => "kubernetes";

    /// <summary><c>Deployment</c> or <c>StatefulSet</c>.</summary>
    public string Kind { get; }

    /// <summary>The workload's name.</summary>
    public string WorkloadName { get; }

    /// <summary>The workload's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The API server's address, when known.</summary>
    public string? Server { get; init; }

    /// <summary>Where the credentials come from, e.g. <c>kubeconfig /home/me/.kube/config, context kind-dev</c>.</summary>
    public string? Credentials { get; init; }

    /// <summary>One line for the start-up log: what is scaled, where, and as whom.</summary>
    public string Description => $"{Kind} {Namespace}/{WorkloadName} at {Server ?? "the API server"} ({Credentials ?? "given client"})";

    /// <inheritdoc />
    /// <exception cref="KubernetesTargetException">The API answered with an error or could not be reached; the message says which and what to do.</exception>
    public async Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken)
    {
        try
        {
            var scale = await ReadAsync(cancellationToken);
            return scale.Spec?.Replicas ?? scale.Status?.Replicas ?? 0;
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            throw new KubernetesTargetException(Describe(e, "get"), e);
        }
    }

    /// <inheritdoc />
    public async Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        try
        {
            return Accepted(await PatchAsync(replicas, cancellationToken), replicas);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // A merge patch carries no resourceVersion, so the API server retries conflicts itself; one that still
            // reaches us means another writer kept changing the object. Look again, then try once more.
            LogConflict(_logger, Kind, Namespace, WorkloadName, replicas, StatusMessage(e));
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            return new ScaleResult(false, -1, Describe(e, "patch"));
        }

        V1Scale fresh;
        try
        {
            fresh = await ReadAsync(cancellationToken);
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            return new ScaleResult(false, -1, Describe(e, "get"));
        }

        if (fresh.Spec?.Replicas == replicas)
        {
            return Accepted(fresh, replicas);
        }

        try
        {
            return Accepted(await PatchAsync(replicas, cancellationToken), replicas);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            return new ScaleResult(false, -1,
                $"conflict (409): {Kind} {Namespace}/{WorkloadName} was being changed by another writer; patching spec.replicas to {replicas} failed twice, "
                + $"even after reading it again; the next evaluation tries again (is another autoscaler, e.g. an HPA, scaling it too?); API server: {StatusMessage(e)}");
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            return new ScaleResult(false, -1, Describe(e, "patch"));
        }
    }

    private Task<V1Scale> ReadAsync(CancellationToken cancellationToken) => Kind == WorkloadKinds.Deployment
        ? _client.AppsV1.ReadNamespacedDeploymentScaleAsync(WorkloadName, Namespace, cancellationToken: cancellationToken)
        : _client.AppsV1.ReadNamespacedStatefulSetScaleAsync(WorkloadName, Namespace, cancellationToken: cancellationToken);

    private Task<V1Scale> PatchAsync(int replicas, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(MergePatch(replicas), V1Patch.PatchType.MergePatch);
        return Kind == WorkloadKinds.Deployment
            ? _client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, WorkloadName, Namespace, fieldManager: FieldManager, cancellationToken: cancellationToken)
            : _client.AppsV1.PatchNamespacedStatefulSetScaleAsync(patch, WorkloadName, Namespace, fieldManager: FieldManager, cancellationToken: cancellationToken);
    }

    /// <summary>The body of the patch: only <c>spec.replicas</c>, nothing that could undo another writer's change.</summary>
    internal static string MergePatch(int replicas) => $$$"""{"spec":{"replicas":{{{replicas}}}}}""";

    private ScaleResult Accepted(V1Scale scale, int requested)
    {
        var spec = scale.Spec?.Replicas ?? 0;
        var status = scale.Status?.Replicas ?? 0;
        return spec == requested
            ? new ScaleResult(true, spec, $"{Kind} {Namespace}/{WorkloadName}: spec.replicas = {spec} (pods now: {status})")
            : new ScaleResult(false, spec, $"{Kind} {Namespace}/{WorkloadName}: asked for {requested} replicas, the API server kept spec.replicas = {spec}");
    }

    private static bool IsApiFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpOperationException or HttpRequestException or KubernetesException or k8s.Exceptions.KubernetesClientException or JsonException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>What went wrong, in words a user can act on; <paramref name="verb"/> is the RBAC verb of the request.</summary>
    private string Describe(Exception e, string verb)
    {
        var target = $"{Kind} {Namespace}/{WorkloadName}";
        var server = Server ?? "the Kubernetes API server";
        return e switch
        {
            HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http =>
                $"forbidden (403): the service account needs {verb} on {_resource}/scale {WorkloadName} in namespace {Namespace}; "
                + $"grant get and patch with a Role (apiGroups [apps], resources [{_resource}/scale], resourceNames [{WorkloadName}], verbs [get, patch]) "
                + $"bound to it, as deploy/kubernetes/scaler-rbac.yaml does; API server: {StatusMessage(http)}",
            HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } http =>
                $"not found (404): there is no {target}; check the name (--kube-name), the namespace (--kube-namespace) and the cluster "
                + $"(--kubeconfig, --kube-context); API server: {StatusMessage(http)}",
            HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } http =>
                $"unauthorized (401): {server} does not accept the credentials from {Credentials ?? "the client"} (expired token or certificate?); API server: {StatusMessage(http)}",
            HttpOperationException http =>
                $"{verb} {target}/scale failed: {server} answered {(int)(http.Response?.StatusCode ?? 0)} {http.Response?.ReasonPhrase}: {StatusMessage(http)}",
            HttpRequestException request =>
                $"cannot reach the Kubernetes API server at {server}: {request.Message}",
            OperationCanceledException =>
                $"the Kubernetes API server at {server} did not answer within {_requestTimeout.TotalSeconds:0.#} s",
            _ => $"{verb} {target}/scale failed: {e.Message}",
        };
    }

    /// <summary>The message of the <c>Status</c> object the API server sends with an error, else the raw body.</summary>
    private static string StatusMessage(HttpOperationException e)
    {
        var content = e.Response?.Content;
        if (string.IsNullOrWhiteSpace(content))
        {
            return e.Response?.ReasonPhrase ?? e.Message;
        }

        try
        {
            if (KubernetesJson.Deserialize<V1Status>(content) is { Message: { Length: > 0 } message })
            {
                return message;
            }
        }
        catch (JsonException)
        {
        }

        var line = content.ReplaceLineEndings(" ").Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conflict (409) patching {Kind} {Namespace}/{Name} to {Replicas} replicas ({Message}); reading it again and retrying once")]
    private static partial void LogConflict(ILogger logger, string kind, string @namespace, string name, int replicas, string message);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
