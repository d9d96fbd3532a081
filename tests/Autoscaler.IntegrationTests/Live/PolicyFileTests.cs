using System.Globalization;
using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

public sealed class PolicyFileTests
{
    private static string Shipped(string name) => Path.Combine(AppContext.BaseDirectory, "deploy", "policies", name);

    [Theory]
    [InlineData("latency-threshold.yaml")]
    [InlineData("hpa-request-rate.yaml")]
    [InlineData("predictive-request-rate.yaml")]
    public async Task Shipped_policies_validate_and_print_their_effective_form(string name)
    {
        await using var process = AutoscalerProcess.Start("validate", Shipped(name));
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("behavior:", process.Output, StringComparison.Ordinal);
        Assert.Contains("stabilizationWindowSeconds:", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_policy_names_each_line_and_field_and_exits_2()
    {
        using var dir = new TempDirectory();
        var file = dir.File("bad.yaml");
        await File.WriteAllTextAsync(file, "maxReplicas: lots\nmetrics:\n  - name: a\n    target: {value: 1, tpye: Value}\n", TestContext.Current.CancellationToken);
        await using var process = AutoscalerProcess.Start("validate", file);
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"{file}:1: maxReplicas: 'lots' is not a whole number", process.Output, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: metrics[0].target.tpye: unknown field", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_writes_a_hpa_that_validate_reads_back_and_refuses_a_threshold_rule_for_keda()
    {
        using var dir = new TempDirectory();
        await using var export = AutoscalerProcess.Start("export", "hpa", Shipped("hpa-request-rate.yaml"), "--name", "shop");
        Assert.Equal(0, await export.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("kind: HorizontalPodAutoscaler", export.Output, StringComparison.Ordinal);
        Assert.Contains("autoscaler.dev/query.rps: sum(irate(webapp_request_count_total[30s]))", export.Output, StringComparison.Ordinal);
        // What a HPA cannot express is named on stderr, not dropped silently; stdout holds the YAML alone.
        var lines = export.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("warning: not exported: metric 'rps' fallback", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("warning: not exported: behavior.scaleDown.cooldown (30s)", StringComparison.Ordinal));
        var file = dir.File("hpa.yaml");
        await File.WriteAllTextAsync(file, export.StandardOutput + "\n", TestContext.Current.CancellationToken);
        await using var validate = AutoscalerProcess.Start("validate", file);
        Assert.Equal(0, await validate.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("type: AverageValue", validate.Output, StringComparison.Ordinal);

        await using var keda = AutoscalerProcess.Start("export", "keda", Shipped("latency-threshold.yaml"));
        Assert.Equal(2, await keda.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("threshold rule, which KEDA cannot express", keda.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_scaled_object_piped_from_kubectl_validates_from_stdin_and_exports_as_keda_takes_it()
    {
        const string live = """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: shop
              namespace: prod
              uid: 5d1f0c2a-77b4-4f8e-a3c1-0e9b2d6f4a11
              resourceVersion: "918301"
              generation: 2
              finalizers: [finalizer.keda.sh]
            spec:
              scaleTargetRef: {name: shop-api}
              minReplicaCount: 1
              maxReplicaCount: 10
              triggers:
                - type: prometheus
                  authenticationRef: {name: prom-credentials}
                  metadata:
                    serverAddress: https://prometheus.monitoring.svc:9090
                    query: sum(rate(http_requests_total[1m]))
                    threshold: "50"
                    authModes: bearer
                    customHeaders: X-Scope-OrgID=shop
                    unsafeSsl: "true"
            status:
              hpaName: keda-hpa-shop
              conditions: [{type: Ready, status: "True"}]
            """;

        await using var validate = AutoscalerProcess.Start("validate", "-", "--output", "json");
        await validate.WriteStandardInputAsync(live);
        Assert.Equal(0, await validate.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var json = JsonDocument.Parse(validate.StandardOutput);
        var document = json.RootElement.GetProperty("files")[0].GetProperty("documents")[0];
        Assert.Equal(("stdin", "ScaledObject", true), (json.RootElement.GetProperty("files")[0].GetProperty("file").GetString(), document.GetProperty("kind").GetString(), document.GetProperty("ok").GetBoolean()));

        await using var export = AutoscalerProcess.Start("export", "keda", "-");
        await export.WriteStandardInputAsync(live);
        Assert.Equal(0, await export.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        foreach (var kept in new[] { "serverAddress: https://prometheus.monitoring.svc:9090", "threshold: \"50\"", "namespace: prod", "name: prom-credentials", "customHeaders: X-Scope-OrgID=shop", "unsafeSsl: \"true\"" })
        {
            Assert.Contains(kept, export.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_refuses_a_predictive_rule_and_names_its_reactive_half()
    {
        await using var export = AutoscalerProcess.Start("export", "keda", Shipped("predictive-request-rate.yaml"));
        Assert.Equal(2, await export.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(
            "metric 'rps' uses the predictive rule, which KEDA cannot express; only target rules can be exported (it forecasts; its reactive half alone would be target: {value: 30, type: AverageValue})",
            export.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scaler_refuses_a_policy_together_with_flags_that_set_the_same_rules()
    {
        await using var process = AutoscalerProcess.Start("scaler", "--policy", Shipped("latency-threshold.yaml"), "--max-replicas", "3");
        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--max-replicas cannot be set too", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fixed_policy_from_a_file_drives_the_real_scaler_to_its_count()
    {
        using var dir = new TempDirectory();
        var file = dir.File("fixed.yaml");
        await File.WriteAllTextAsync(file, "minReplicas: 1\nmaxReplicas: 4\ncheckInterval: 1s\nmetrics:\n  - name: floor\n    fixed: 3\n", TestContext.Current.CancellationToken);
        var port = FreePorts.Next();
        var basePort = 23000 + (Environment.ProcessId % 100 * 20);
        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--policy", file, "--port", port.ToString(CultureInfo.InvariantCulture), "--replica-ports", $"{basePort}-{basePort + 10}",
            "--prometheus-url", "http://127.0.0.1:1");
        using var http = new HttpClient();
        var status = new Uri($"http://127.0.0.1:{port}/api/v1/status");
        await LiveStack.WaitForAsync(async () =>
        {
            var json = JsonDocument.Parse(await http.GetStringAsync(status)).RootElement;
            return json.GetProperty("currentReplicas") is { ValueKind: JsonValueKind.Number } n && n.GetInt32() == 3;
        }, TimeSpan.FromSeconds(40), () => scaler.Output);
        Assert.Contains("fixed at 3", scaler.Output, StringComparison.Ordinal);
    }
}
