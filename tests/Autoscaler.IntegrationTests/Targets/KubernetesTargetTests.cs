using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Autoscaler.Targets.Kubernetes;
using Autoscaler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autoscaler.IntegrationTests.Targets;

/// <summary>
/// The Kubernetes target through the official client, against a stand-in API server that speaks the scale
/// subresource, connected the way a user connects: a kubeconfig file with a server, a token and a context.
/// </summary>
public sealed class KubernetesTargetTests
{
    private const string ScalePath = "/apis/apps/v1/namespaces/shop/deployments/webapp/scale";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static KubernetesTarget Connect(string kubeconfig, string name = "webapp", string kind = "Deployment") =>
        KubernetesTarget.Connect(new KubernetesTargetOptions { Kubeconfig = kubeconfig, Name = name, Kind = kind, RequestTimeout = TimeSpan.FromSeconds(5) }, NullLogger<KubernetesTarget>.Instance);

    [Fact]
    public async Task Reads_and_sets_spec_replicas_with_a_merge_patch_that_the_next_read_sees()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 2);
        var kubeconfig = api.WriteKubeconfig("shop");
        using var target = Connect(kubeconfig);

        Assert.Equal("kubernetes", target.Name);
        Assert.Equal("shop", target.Namespace); // from the kubeconfig context
        Assert.Equal($"Deployment shop/webapp at {api.Url.ToString().TrimEnd('/')} (kubeconfig {kubeconfig}, context stand-in)", target.Description);
        Assert.Equal(2, await target.GetCurrentReplicasAsync(Ct));

        var result = await target.ScaleAsync(3, Ct);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(3, result.Replicas);
        Assert.Equal("Deployment shop/webapp: spec.replicas = 3 (pods now: 2)", result.Message);
        Assert.Equal((3, 2), api.State("deployments", "shop", "webapp"));
        var patch = Assert.Single(api.Requests, r => r.Method == "PATCH");
        Assert.Equal(ScalePath, patch.Path);
        Assert.Equal("application/merge-patch+json", patch.ContentType?.Split(';')[0]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"spec":{"replicas":3}}"""), KubernetesApiStandIn.Json(patch)), patch.Body);
        Assert.Contains("fieldManager=autoscaler", patch.Query, StringComparison.Ordinal);
        Assert.All(api.Requests, r => Assert.Equal($"Bearer {KubernetesApiStandIn.Token}", r.Authorization));

        // The current count is the count set (spec), as the HPA reads it, even while the pods are still starting;
        // how many exist so far (status) is in the result's message.
        Assert.Equal(3, await target.GetCurrentReplicasAsync(Ct));
        api.CompleteRollout("deployments", "shop", "webapp");
        Assert.Equal(3, await target.GetCurrentReplicasAsync(Ct));

        var down = await target.ScaleAsync(1, Ct);
        Assert.Equal("Deployment shop/webapp: spec.replicas = 1 (pods now: 3)", down.Message);
        Assert.Equal((1, 3), api.State("deployments", "shop", "webapp"));
        Assert.Equal(1, await target.GetCurrentReplicasAsync(Ct));
    }

    [Fact]
    public async Task A_statefulset_is_scaled_through_its_own_scale_subresource_in_the_namespace_given()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("statefulsets", "data", "cache", replicas: 1);
        using var target = KubernetesTarget.Connect(
            new KubernetesTargetOptions { Kubeconfig = api.WriteKubeconfig("shop"), Kind = "statefulset", Name = "cache", Namespace = "data" },
            NullLogger<KubernetesTarget>.Instance);

        Assert.Equal(1, await target.GetCurrentReplicasAsync(Ct));
        var result = await target.ScaleAsync(4, Ct);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal((4, 1), api.State("statefulsets", "data", "cache"));
        Assert.All(api.Requests, r => Assert.Equal("/apis/apps/v1/namespaces/data/statefulsets/cache/scale", r.Path));
        Assert.StartsWith("StatefulSet data/cache:", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_names_the_missing_verb_on_the_scale_subresource_and_what_the_api_server_said()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 2);
        using var target = Connect(api.WriteKubeconfig("shop"));
        const string said = "deployments.apps \"webapp\" is forbidden: User \"system:serviceaccount:shop:autoscaler\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\"";

        api.FailNext("PATCH", 403, "Forbidden", said);
        var result = await target.ScaleAsync(3, Ct);

        Assert.False(result.Succeeded);
        Assert.StartsWith("forbidden (403): the service account needs patch on deployments/scale webapp in namespace shop; ", result.Message, StringComparison.Ordinal);
        Assert.Contains("resources [deployments/scale], resourceNames [webapp], verbs [get, patch]", result.Message, StringComparison.Ordinal);
        Assert.EndsWith($"API server: {said}", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Message);
        Assert.Equal((2, 2), api.State("deployments", "shop", "webapp"));

        api.FailNext("GET", 403, "Forbidden", said.Replace("cannot patch", "cannot get", StringComparison.Ordinal));
        var read = await Assert.ThrowsAsync<KubernetesTargetException>(() => target.GetCurrentReplicasAsync(Ct));
        Assert.StartsWith("forbidden (403): the service account needs get on deployments/scale webapp in namespace shop; ", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workload_that_does_not_exist_is_reported_as_not_found_with_what_to_check()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 2);
        using var target = Connect(api.WriteKubeconfig("shop"), name: "webap");

        var read = await Assert.ThrowsAsync<KubernetesTargetException>(() => target.GetCurrentReplicasAsync(Ct));
        var scale = await target.ScaleAsync(3, Ct);

        Assert.Equal(
            "not found (404): there is no Deployment shop/webap; check the name (--kube-name), the namespace (--kube-namespace) and the cluster (--kubeconfig, --kube-context); API server: deployments.apps \"webap\" not found",
            read.Message);
        Assert.False(scale.Succeeded);
        Assert.Equal(read.Message, scale.Message);
    }

    [Fact]
    public async Task A_conflict_is_retried_once_after_reading_again_and_a_second_one_is_reported_as_a_conflict()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 2);
        using var target = Connect(api.WriteKubeconfig("shop"));
        const string said = "Operation cannot be fulfilled on deployments.apps \"webapp\": the object has been modified; please apply your changes to the latest version and try again";

        api.FailNext("PATCH", 409, "Conflict", said);
        var retried = await target.ScaleAsync(3, Ct);

        Assert.True(retried.Succeeded, retried.Message);
        Assert.Equal((3, 2), api.State("deployments", "shop", "webapp"));
        Assert.Equal(["PATCH", "GET", "PATCH"], api.Requests.Select(r => r.Method));

        api.FailNext("PATCH", 409, "Conflict", said);
        api.FailNext("PATCH", 409, "Conflict", said);
        var failed = await target.ScaleAsync(4, Ct);

        Assert.False(failed.Succeeded);
        Assert.StartsWith("conflict (409): Deployment shop/webapp was being changed by another writer; patching spec.replicas to 4 failed twice, even after reading it again;", failed.Message, StringComparison.Ordinal);
        Assert.EndsWith($"API server: {said}", failed.Message, StringComparison.Ordinal);
        Assert.Equal((3, 2), api.State("deployments", "shop", "webapp"));
    }

    [Fact]
    public async Task After_a_conflict_a_count_someone_else_already_set_is_not_patched_again()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 3);
        using var target = Connect(api.WriteKubeconfig("shop"));

        api.FailNext("PATCH", 409, "Conflict", "the object has been modified");
        var result = await target.ScaleAsync(3, Ct);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(["PATCH", "GET"], api.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task An_api_server_nobody_answers_at_is_reported_as_unreachable_with_its_address()
    {
        using var dir = new TempDirectory("kube-unreachable");
        var server = $"http://127.0.0.1:{RefusingPort()}";
        var kubeconfig = dir.File("kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            current-context: gone
            clusters:
              - name: gone
                cluster:
                  server: {server}
            users:
              - name: u
                user:
                  token: t
            contexts:
              - name: gone
                context:
                  cluster: gone
                  user: u
            """, Ct);
        using var target = Connect(kubeconfig);

        var read = await Assert.ThrowsAsync<KubernetesTargetException>(() => target.GetCurrentReplicasAsync(Ct));
        var scale = await target.ScaleAsync(2, Ct);

        Assert.Equal("default", target.Namespace);
        Assert.StartsWith($"cannot reach the Kubernetes API server at {server}", read.Message, StringComparison.Ordinal);
        Assert.Contains("refused", read.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(scale.Succeeded);
        Assert.StartsWith($"cannot reach the Kubernetes API server at {server}", scale.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_server_that_does_not_answer_in_time_is_reported_with_the_timeout()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 2);
        api.Delay = TimeSpan.FromSeconds(10);
        using var target = KubernetesTarget.Connect(
            new KubernetesTargetOptions { Kubeconfig = api.WriteKubeconfig("shop"), Name = "webapp", RequestTimeout = TimeSpan.FromSeconds(1) },
            NullLogger<KubernetesTarget>.Instance);

        var read = await Assert.ThrowsAsync<KubernetesTargetException>(() => target.GetCurrentReplicasAsync(Ct));

        Assert.Equal($"the Kubernetes API server at {api.Url.ToString().TrimEnd('/')} did not answer within 1 s", read.Message);
    }

    [Fact]
    public async Task Kubeconfig_files_in_KUBECONFIG_are_merged_the_first_one_wins_and_a_context_can_be_chosen()
    {
        await using var first = await KubernetesApiStandIn.StartAsync();
        await using var second = await KubernetesApiStandIn.StartAsync();
        first.Add("deployments", "one", "webapp", 1);
        second.Add("deployments", "two", "webapp", 5);
        var a = first.WriteKubeconfig("one", context: "first");
        var b = second.WriteKubeconfig("two", context: "second");
        var options = new KubernetesTargetOptions { Name = "webapp" };

        var (merged, source) = KubernetesConnection.Load(options, $"{a}:{b}", isInCluster: () => true, defaultKubeconfig: "/nonexistent");
        Assert.Equal("one", merged.Namespace);
        Assert.Equal($"kubeconfig {a}:{b}, context first", source);

        options.Context = "second";
        var (chosen, _) = KubernetesConnection.Load(options, $"{a}:{b}", isInCluster: () => true, defaultKubeconfig: "/nonexistent");
        Assert.Equal("two", chosen.Namespace);
        Assert.Equal(second.Url.ToString().TrimEnd('/'), chosen.Host.TrimEnd('/'));

        // --kubeconfig wins over KUBECONFIG; without either, ~/.kube/config (here: the default path given).
        var (explicitFile, _) = KubernetesConnection.Load(new KubernetesTargetOptions { Kubeconfig = b }, a, () => false, "/nonexistent");
        Assert.Equal("two", explicitFile.Namespace);
        var (fallback, fallbackSource) = KubernetesConnection.Load(new KubernetesTargetOptions(), null, () => false, a);
        Assert.Equal("one", fallback.Namespace);
        Assert.StartsWith($"kubeconfig {a}", fallbackSource, StringComparison.Ordinal);
    }

    [Fact]
    public void Unusable_configurations_say_what_was_tried_and_what_to_pass()
    {
        using var dir = new TempDirectory("kube-config");
        var noContext = dir.File("no-context");
        File.WriteAllText(noContext, """
            {"apiVersion": "v1", "kind": "Config",
             "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
             "contexts": [{"name": "c", "context": {"cluster": "c"}}]}
            """);

        var nothing = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(new KubernetesTargetOptions(), null, () => false, dir.File("absent")));
        var missing = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(new KubernetesTargetOptions(), dir.File("gone"), () => false, dir.File("absent")));
        var unset = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(new KubernetesTargetOptions { Kubeconfig = noContext }, null, () => false, "/nonexistent"));
        var unknown = Assert.Throws<KubernetesConfigurationException>(() => KubernetesConnection.Load(new KubernetesTargetOptions { Kubeconfig = noContext, Context = "prod" }, null, () => false, "/nonexistent"));

        Assert.Equal($"no Kubernetes credentials: not running in a cluster (no service account token mounted) and no {dir.File("absent")}; pass --kubeconfig FILE or set KUBECONFIG", nothing.Message);
        Assert.Equal($"kubeconfig {dir.File("gone")} (from KUBECONFIG): no such file", missing.Message);
        Assert.Equal($"kubeconfig {noContext}: no current-context is set; choose one with --kube-context NAME", unset.Message);
        Assert.StartsWith($"kubeconfig {noContext}: ", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("prod", unknown.Message, StringComparison.Ordinal);
    }

    private static int RefusingPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
