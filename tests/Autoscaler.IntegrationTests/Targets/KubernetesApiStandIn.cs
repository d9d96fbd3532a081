using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoscaler.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autoscaler.IntegrationTests.Targets;

/// <summary>
/// A stand-in for the Kubernetes API server, on a loopback port, that speaks only the <c>scale</c> subresource of
/// apps/v1 Deployments and StatefulSets: GET returns an autoscaling/v1 Scale, PATCH accepts a JSON merge patch
/// (and, like the real server, refuses other content types with 415). Errors come back as <c>Status</c> objects
/// the way the API server sends them. It also keeps coordination.k8s.io/v1 Leases (GET, POST, PUT) with the real
/// server's optimistic concurrency: a PUT whose resourceVersion is not the stored one is refused with 409 Conflict, a
/// POST of a Lease that exists with 409 AlreadyExists. No cluster can run here; this is as close as the tests get.
/// </summary>
public sealed class KubernetesApiStandIn : IAsyncDisposable
{
    public const string Token = "stand-in-token";
    private const string MergePatch = "application/merge-patch+json";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string Resource, string Namespace, string Name), Workload> _workloads = new();
    private readonly ConcurrentQueue<(string Method, int Code, string Reason, string Message)> _failures = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentDictionary<string, bool> _tokens = new() { [Token] = true };
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _leases = [];
    private readonly Lock _leaseLock = new();
    private readonly TempDirectory _directory = new("kube-standin");
    private long _resourceVersion = 1000;

    private KubernetesApiStandIn(WebApplication app) => _app = app;

    /// <summary>One request as it arrived: what the client really sent, and when (the stand-in's clock).</summary>
    public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string? Authorization, string Body)
    {
        public long Timestamp { get; init; } = TimeProvider.System.GetTimestamp();
    }

    private sealed class Workload(int spec, int status)
    {
        public int Spec { get; set; } = spec;

        public int Status { get; set; } = status;

        public long ResourceVersion { get; set; }
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>How long every answer waits (a slow or hung API server).</summary>
    public TimeSpan Delay { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<KubernetesApiStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var standIn = new KubernetesApiStandIn(builder.Build());
        standIn._app.Map("/apis/apps/v1/namespaces/{ns}/{resource}/{name}/scale", standIn.HandleAsync);
        standIn._app.Map("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name?}", standIn.HandleLeaseAsync);
        standIn._app.MapFallback(context => Fail(context, 404, "NotFound", "the server could not find the requested resource"));
        await standIn._app.StartAsync(TestContext.Current.CancellationToken);
        var address = standIn._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.Url = new Uri(address + "/");
        return standIn;
    }

    /// <summary>Adds a workload; <paramref name="resource"/> is <c>deployments</c> or <c>statefulsets</c>.</summary>
    public void Add(string resource, string @namespace, string name, int replicas) =>
        _workloads[(resource, @namespace, name)] = new Workload(replicas, replicas) { ResourceVersion = Interlocked.Increment(ref _resourceVersion) };

    public (int Spec, int Status) State(string resource, string @namespace, string name)
    {
        var w = _workloads[(resource, @namespace, name)];
        return (w.Spec, w.Status);
    }

    /// <summary>What the controller would do in time: the pods catch up with spec.replicas.</summary>
    public void CompleteRollout(string resource, string @namespace, string name)
    {
        var w = _workloads[(resource, @namespace, name)];
        w.Status = w.Spec;
        w.ResourceVersion = Interlocked.Increment(ref _resourceVersion);
    }

    /// <summary>Accepts <paramref name="token"/> as well, so each client can be told apart by its Authorization header.</summary>
    public void AllowToken(string token) => _tokens[token] = true;

    /// <summary>The Lease as stored, or null.</summary>
    public JsonObject? Lease(string @namespace, string name)
    {
        lock (_leaseLock)
        {
            return _leases.TryGetValue((@namespace, name), out var lease) ? (JsonObject)lease.DeepClone() : null;
        }
    }

    /// <summary>The next request with <paramref name="method"/> is answered with this error instead.</summary>
    public void FailNext(string method, int code, string reason, string message) => _failures.Enqueue((method, code, reason, message));

    /// <summary>A kubeconfig that points at the stand-in with a bearer token, its context's namespace <paramref name="namespace"/>.</summary>
    public string WriteKubeconfig(string @namespace, string context = "stand-in", string fileName = "kubeconfig", string token = Token)
    {
        var path = _directory.File(fileName);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: {context}
                cluster:
                  server: {Url.ToString().TrimEnd('/')}
            users:
              - name: {context}-scaler
                user:
                  token: {token}
            contexts:
              - name: {context}
                context:
                  cluster: {context}
                  user: {context}-scaler
                  namespace: {@namespace}
            current-context: {context}
            """);
        return path;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(request.Method, request.Path, request.QueryString.Value ?? "", request.ContentType, request.Headers.Authorization.FirstOrDefault(), body));

        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var ns = (string)context.GetRouteValue("ns")!;
        var resource = (string)context.GetRouteValue("resource")!;
        var name = (string)context.GetRouteValue("name")!;
        var group = $"{resource}.apps";

        if (!Authorized(request))
        {
            await Fail(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        if (_failures.TryPeek(out var failure) && failure.Method == request.Method && _failures.TryDequeue(out failure))
        {
            await Fail(context, failure.Code, failure.Reason, failure.Message);
            return;
        }

        if (resource is not ("deployments" or "statefulsets") || !_workloads.TryGetValue((resource, ns, name), out var workload))
        {
            await Fail(context, 404, "NotFound", $"{group} \"{name}\" not found");
            return;
        }

        if (HttpMethods.IsPatch(request.Method))
        {
            if (request.ContentType?.Split(';')[0].Trim() != MergePatch)
            {
                await Fail(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, {MergePatch}, application/apply-patch+yaml");
                return;
            }

            if (JsonNode.Parse(body)?["spec"]?["replicas"]?.GetValue<int>() is { } replicas)
            {
                workload.Spec = replicas;
                workload.ResourceVersion = Interlocked.Increment(ref _resourceVersion);
            }
        }
        else if (!HttpMethods.IsGet(request.Method))
        {
            await Fail(context, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
            return;
        }

        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["resourceVersion"] = workload.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ["spec"] = new JsonObject { ["replicas"] = workload.Spec },
            ["status"] = new JsonObject { ["replicas"] = workload.Status, ["selector"] = $"app={name}" },
        }, context.RequestAborted);
    }

    private bool Authorized(HttpRequest request) =>
        request.Headers.Authorization.FirstOrDefault() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.ContainsKey(header["Bearer ".Length..]);

    private async Task HandleLeaseAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue(new RecordedRequest(request.Method, request.Path, request.QueryString.Value ?? "", request.ContentType, request.Headers.Authorization.FirstOrDefault(), body));
        if (!Authorized(request))
        {
            await Fail(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var ns = (string)context.GetRouteValue("ns")!;
        var name = context.GetRouteValue("name") as string;
        JsonObject? answer;
        (int Code, string Reason, string Message)? error = null;
        lock (_leaseLock)
        {
            if (HttpMethods.IsGet(request.Method) && name is not null)
            {
                answer = _leases.TryGetValue((ns, name), out var stored) ? (JsonObject)stored.DeepClone() : null;
                error = answer is null ? (404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found") : null;
            }
            else if (HttpMethods.IsPost(request.Method) && name is null)
            {
                answer = JsonNode.Parse(body) as JsonObject;
                var created = answer?["metadata"]?["name"]?.GetValue<string>();
                if (answer is null || created is null)
                {
                    error = (400, "BadRequest", "the body is not a Lease with metadata.name");
                }
                else if (_leases.ContainsKey((ns, created)))
                {
                    error = (409, "AlreadyExists", $"leases.coordination.k8s.io \"{created}\" already exists");
                }
                else
                {
                    Store(ns, created, answer);
                }
            }
            else if (HttpMethods.IsPut(request.Method) && name is not null)
            {
                answer = JsonNode.Parse(body) as JsonObject;
                var version = answer?["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (answer is null)
                {
                    error = (400, "BadRequest", "the body is not a Lease");
                }
                else if (!_leases.TryGetValue((ns, name), out var stored))
                {
                    error = (404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found");
                }
                else if (version != stored["metadata"]!["resourceVersion"]!.GetValue<string>())
                {
                    error = (409, "Conflict", $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                }
                else
                {
                    Store(ns, name, answer);
                }
            }
            else
            {
                answer = null;
                error = (405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            }
        }

        if (error is { } e)
        {
            await Fail(context, e.Code, e.Reason, e.Message);
            return;
        }

        context.Response.StatusCode = HttpMethods.IsPost(request.Method) ? 201 : 200;
        await context.Response.WriteAsJsonAsync(answer, context.RequestAborted);
    }

    // Under _leaseLock: stamps a new resourceVersion, as the API server does on every write, and keeps a copy.
    private void Store(string @namespace, string name, JsonObject lease)
    {
        lease["kind"] = "Lease";
        lease["apiVersion"] = "coordination.k8s.io/v1";
        var metadata = lease["metadata"] as JsonObject ?? [];
        lease["metadata"] = metadata;
        metadata["name"] = name;
        metadata["namespace"] = @namespace;
        metadata["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _leases[(@namespace, name)] = (JsonObject)lease.DeepClone();
    }

    private static Task Fail(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        return context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        }, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>The JSON body of a recorded request, for comparing what was sent.</summary>
    public static JsonNode? Json(RecordedRequest request) => JsonNode.Parse(request.Body, documentOptions: new JsonDocumentOptions());
}
