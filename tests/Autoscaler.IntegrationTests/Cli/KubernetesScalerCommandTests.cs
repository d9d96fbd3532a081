using System.Text.RegularExpressions;
using Autoscaler.IntegrationTests.Targets;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary><c>autoscaler scaler --target kubernetes</c> as a user runs it, against the stand-in API server.</summary>
public sealed partial class KubernetesScalerCommandTests
{
    private static string Policy => Path.Combine(AppContext.BaseDirectory, "deploy", "policies", "hpa-request-rate.yaml");

    [Fact]
    public async Task The_scaler_patches_the_deployment_it_is_given()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 1);
        var kubeconfig = api.WriteKubeconfig("shop");

        // No Prometheus: the shipped policy falls back to 2 replicas after 3 failed queries (KEDA's fallback),
        // which makes the scaler act without one.
        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--port", "0", "--target", "kubernetes", "--kube-name", "webapp", "--kubeconfig", kubeconfig,
            "--policy", Policy, "--prometheus-url", $"http://127.0.0.1:{FreePorts.Next()}", "--check-interval", "200ms");

        await scaler.WaitForLineAsync(ScalingLine(), TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => api.State("deployments", "shop", "webapp").Spec == 2, scaler, "spec.replicas = 2");

        Assert.Contains($"scaling Deployment shop/webapp at {api.Url.ToString().TrimEnd('/')} (kubeconfig {kubeconfig}, context stand-in)", scaler.Output, StringComparison.Ordinal);
        Assert.Contains("Scaling from 1 -> 2", scaler.Output, StringComparison.Ordinal);
        Assert.Contains(api.Requests, r => r.Method == "PATCH" && r.Path == "/apis/apps/v1/namespaces/shop/deployments/webapp/scale" && r.Body == """{"spec":{"replicas":2}}""");
    }

    [Fact]
    public async Task Without_rbac_permission_the_log_names_the_verb_and_resource_the_service_account_needs()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", "shop", "webapp", replicas: 1);
        for (var i = 0; i < 50; i++)
        {
            api.FailNext("GET", 403, "Forbidden", "deployments.apps \"webapp\" is forbidden: User \"system:serviceaccount:shop:autoscaler\" cannot get resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\"");
        }

        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--port", "0", "--target", "kubernetes", "--kube-name", "webapp", "--kubeconfig", api.WriteKubeconfig("shop"),
            "--prometheus-url", $"http://127.0.0.1:{FreePorts.Next()}", "--check-interval", "200ms");

        var line = await scaler.WaitForLineAsync(ForbiddenLine(), TimeSpan.FromSeconds(30));

        Assert.Contains("Cannot read the replica count from kubernetes: forbidden (403): the service account needs get on deployments/scale webapp in namespace shop;", line, StringComparison.Ordinal);
        Assert.Contains("User \"system:serviceaccount:shop:autoscaler\" cannot get resource \"deployments/scale\"", line, StringComparison.Ordinal);
        Assert.Equal(1, api.State("deployments", "shop", "webapp").Spec);
        Assert.DoesNotContain(api.Requests, r => r.Method == "PATCH");
    }

    [Theory]
    [InlineData("KubernetesTarget:Name is not set: name the Deployment to scale (--kube-name NAME)", "--target", "kubernetes")]
    [InlineData("--kube-name needs --target kubernetes (the target is local)", "--kube-name", "webapp")]
    [InlineData("KubernetesTarget:Kind = ReplicaSet: use Deployment or StatefulSet", "--target", "kubernetes", "--kube-name", "webapp", "--kube-kind", "ReplicaSet")]
    [InlineData("KubernetesTarget:Kubeconfig = /nonexistent/kubeconfig: no such file", "--target", "kubernetes", "--kube-name", "webapp", "--kubeconfig", "/nonexistent/kubeconfig")]
    [InlineData("KubernetesTarget:Name = Web_App: not a Kubernetes object name", "--target", "kubernetes", "--kube-name", "Web_App")]
    [InlineData("--sd-file lists local replicas; with --target kubernetes discovery is the platform's", "--target", "kubernetes", "--kube-name", "webapp", "--sd-file", "/tmp/x.json")]
    [InlineData("Argument 'cluster' not recognized. Must be one of", "--target", "cluster")]
    public async Task Bad_kubernetes_flags_are_one_line_with_exit_code_2(string expected, params string[] args)
    {
        await using var process = AutoscalerProcess.Start(["scaler", "--port", "0", .. args]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_credentials_it_says_what_was_tried_and_exits_with_2_before_starting()
    {
        using var home = new TempDirectory("kube-home");
        await using var process = AutoscalerProcess.Start(
            ["scaler", "--port", "0", "--target", "kubernetes", "--kube-name", "webapp"],
            new Dictionary<string, string> { ["HOME"] = home.Path, ["KUBECONFIG"] = "", ["KUBERNETES_SERVICE_HOST"] = "" });

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(
            $"autoscaler scaler: no Kubernetes credentials: not running in a cluster (no service account token mounted) and no {Path.Combine(home.Path, ".kube", "config")}; pass --kubeconfig FILE or set KUBECONFIG",
            Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, AutoscalerProcess process, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            Assert.False(process.HasExited, $"the scaler exited before {what}:\n{process.Output}");
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30), $"no {what} within 30 s; scaler output:\n{process.Output}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [GeneratedRegex("^scaling Deployment ")]
    private static partial Regex ScalingLine();

    [GeneratedRegex("forbidden \\(403\\)")]
    private static partial Regex ForbiddenLine();
}
