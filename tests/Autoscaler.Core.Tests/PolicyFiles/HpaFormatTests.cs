using Autoscaler.Core.Behavior;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Files = Autoscaler.Core.PolicyFiles.PolicyFiles;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class HpaFormatTests
{
    internal const string Hpa = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: webapp
          annotations:
            autoscaler.dev/query.webapp_rps: sum(rate(webapp_request_count_total[1m]))
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: webapp}
          minReplicas: 2
          maxReplicas: 10
          metrics:
            - type: External
              external:
                metric: {name: webapp_rps}
                target: {type: AverageValue, averageValue: "30"}
            - type: Object
              object:
                metric: {name: webapp_latency}
                describedObject: {apiVersion: v1, kind: Service, name: webapp}
                target: {type: Value, value: 300m}
          behavior:
            scaleDown:
              stabilizationWindowSeconds: 60
              policies: [{type: Pods, value: 1, periodSeconds: 30}]
        """;

    // What `kubectl get hpa shop -o yaml` prints for a HPA on Kubernetes 1.34: status, uid, managedFields and the rest.
    internal const string LiveHpa = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          annotations:
            autoscaler.dev/query.rps: sum(rate(http_requests_total{app="shop"}[1m]))
            kubectl.kubernetes.io/last-applied-configuration: |
              {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"shop","namespace":"prod"}}
          creationTimestamp: "2026-11-02T09:14:07Z"
          generation: 3
          labels: {app: shop}
          managedFields:
          - apiVersion: autoscaling/v2
            fieldsType: FieldsV1
            fieldsV1: {"f:spec": {"f:maxReplicas": {}}}
            manager: kubectl-client-side-apply
            operation: Update
            time: "2026-11-02T09:14:07Z"
          name: shop
          namespace: prod
          resourceVersion: "918273"
          uid: 0b6a3c1e-4f1d-4c0e-9d7a-3c2f8e1b5a90
        spec:
          behavior:
            scaleDown:
              policies:
              - periodSeconds: 15
                type: Percent
                value: 100
              selectPolicy: Max
              stabilizationWindowSeconds: 300
              tolerance: 50m
            scaleUp:
              policies:
              - periodSeconds: 15
                type: Pods
                value: 4
              selectPolicy: Max
              stabilizationWindowSeconds: 0
              tolerance: "0.02"
          maxReplicas: 20
          metrics:
          - external:
              metric:
                name: rps
              target:
                averageValue: "40"
                type: AverageValue
            type: External
          minReplicas: 3
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: shop-api
        status:
          conditions:
          - lastTransitionTime: "2026-11-02T09:14:22Z"
            message: the HPA controller was able to get the target's current scale
            reason: SucceededGetScale
            status: "True"
            type: AbleToScale
          currentMetrics:
          - external:
              current:
                averageValue: "31250m"
              metric:
                name: rps
            type: External
          currentReplicas: 4
          desiredReplicas: 4
          lastScaleTime: "2026-11-02T10:02:41Z"
        """;

    /// <summary>A policy with what one format or both cannot express: a cooldown, a fallback, null handling, activation, a check interval.</summary>
    internal const string KubernetesOnly = """
        minReplicas: 0
        checkInterval: 10s
        metrics:
          - name: rps
            query: q
            target: {value: 40, type: AverageValue}
            fallback: {failureThreshold: 3, replicas: 4}
            ignoreNullValues: true
            activationThreshold: 1
        behavior:
          scaleUp: {cooldown: 30s}
        """;

    private static readonly PolicyReadOptions Queries = new() { Queries = new Dictionary<string, string> { ["webapp_latency"] = "avg(webapp_response_time_seconds)" } };

    [Fact]
    public void A_hpa_becomes_target_rules_with_its_behavior_and_hpa_defaults_where_it_says_nothing()
    {
        var spec = Files.Parse(Hpa, "hpa.yaml", Queries);
        Assert.Equal((2, 10), (spec.MinReplicas, spec.MaxReplicas));
        Assert.Equal(("webapp_rps", "sum(rate(webapp_request_count_total[1m]))", 30.0, TargetType.AverageValue),
            (spec.Metrics[0].Name, spec.Metrics[0].Query, spec.Metrics[0].Target!.Target, spec.Metrics[0].Target!.Type));
        Assert.Equal((0.3, TargetType.Value, "avg(webapp_response_time_seconds)"), (spec.Metrics[1].Target!.Target, spec.Metrics[1].Target!.Type, spec.Metrics[1].Query));
        Assert.Equal(60, spec.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(new ScalingRule(ScalingRuleType.Pods, 1, 30), Assert.Single(spec.EffectiveBehavior.ScaleDown.Policies));
        Assert.Equal(ScalingBehavior.HpaDefaults.ScaleUp.Policies, spec.EffectiveBehavior.ScaleUp.Policies);
    }

    [Fact]
    public void Hpa_round_trip_gives_an_equivalent_policy()
    {
        var spec = Files.Parse(Hpa, "hpa.yaml", Queries);
        var again = Files.Parse(HpaFormat.Write(spec), "written.yaml");
        Assert.Equal(PolicyFile.Write(spec), PolicyFile.Write(again));
    }

    [Fact]
    public void A_native_policy_exports_and_reads_back_the_same()
    {
        var native = PolicyFile.Parse("""
            minReplicas: 1
            maxReplicas: 6
            checkInterval: 10s
            metrics:
              - name: rps
                query: sum(rate(x[1m]))
                target: {value: 40, type: AverageValue}
            """);
        var fromHpa = Files.Parse(HpaFormat.Write(native));
        fromHpa.CheckInterval = native.CheckInterval; // a HorizontalPodAutoscaler has no check interval of its own
        fromHpa.Kubernetes = null; // the export names the object; the native policy had no name
        Assert.Equal(PolicyFile.Write(native), PolicyFile.Write(fromHpa));
    }

    [Fact]
    public void A_live_hpa_from_kubectl_is_read_ignoring_status_and_server_fields()
    {
        var document = Files.Load("-", new PolicyReadOptions { StandardInput = new StringReader(LiveHpa) });

        var spec = document.Spec!;
        Assert.Equal(("HorizontalPodAutoscaler", "shop"), (document.Kind, document.Name));
        Assert.Equal((3, 20), (spec.MinReplicas, spec.MaxReplicas));
        Assert.Equal(new KubernetesObject("shop", "prod", "apps/v1", "Deployment", "shop-api"), spec.Kubernetes);
        Assert.Equal("sum(rate(http_requests_total{app=\"shop\"}[1m]))", spec.Metrics[0].Query);
        Assert.Empty(document.Warnings);
    }

    [Fact]
    public void Hpa_tolerance_per_direction_is_read_and_written_back()
    {
        var spec = Files.Parse(LiveHpa, "live.yaml");
        var target = spec.Metrics[0].Target!;
        Assert.Equal((0.02, 0.05), (target.EffectiveScaleUpTolerance, target.EffectiveScaleDownTolerance));

        var written = HpaFormat.Write(spec);
        Assert.Contains("tolerance: 50m", written, StringComparison.Ordinal);
        Assert.Contains("tolerance: 20m", written, StringComparison.Ordinal);
        var again = Files.Parse(written, "written.yaml").Metrics[0].Target!;
        Assert.Equal((0.02, 0.05), (again.EffectiveScaleUpTolerance, again.EffectiveScaleDownTolerance));
    }

    [Fact]
    public void A_native_tolerance_other_than_hpas_default_is_exported_not_dropped()
    {
        var spec = PolicyFile.Parse("metrics: [{name: rps, query: q, target: {value: 40, type: AverageValue, tolerance: 0.05}}]");
        var again = Files.Parse(HpaFormat.Write(spec)).Metrics[0].Target!;
        Assert.Equal((0.05, 0.05), (again.EffectiveScaleUpTolerance, again.EffectiveScaleDownTolerance));
    }

    [Fact]
    public void A_tolerance_out_of_range_is_reported_on_its_line()
    {
        var text = LiveHpa.Replace("tolerance: 50m", "tolerance: \"1.5\"", StringComparison.Ordinal);
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse(text, "live.yaml"));
        var line = text.Split('\n').ToList().FindIndex(l => l.Contains("tolerance: \"1.5\"", StringComparison.Ordinal)) + 1;
        Assert.Contains($"live.yaml:{line}: spec.behavior.scaleDown.tolerance: 1.5 must be between 0 and 1", error.Problems);
    }

    [Fact]
    public void An_export_keeps_the_name_namespace_and_target_unless_the_flag_names_it()
    {
        var spec = Files.Parse(LiveHpa, "live.yaml");
        var kept = Files.Parse(HpaFormat.Write(spec)).Kubernetes;
        Assert.Equal(new KubernetesObject("shop", "prod", "apps/v1", "Deployment", "shop-api"), kept);

        var renamed = Files.Parse(HpaFormat.Write(spec, new ExportOptions(Name: "cart"))).Kubernetes!;
        Assert.Equal(("cart", "cart", "prod"), (renamed.Name, renamed.TargetName, renamed.Namespace));
    }

    [Theory]
    [InlineData("kind: HorizontalPodAutoscaler\napiVersion: autoscaling/v1\nspec: {maxReplicas: 3, metrics: []}", "hpa.yaml:2: apiVersion: 'autoscaling/v1' is not autoscaling/v2")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n    - type: Resource\n      resource: {name: cpu}", "hpa.yaml:6: spec.metrics[0].type: 'Resource' metrics cannot be read from Prometheus")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n    - type: External\n      external:\n        metric: {name: nope}\n        target: {type: Value, value: \"1\"}", "no PromQL for 'nope'")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a, annotations: {autoscaler.dev/query.m: q}}\nspec:\n  maxReplicas: 3\n  metrics:\n    - type: External\n      external:\n        metric: {name: m}\n        target: {type: Value, value: \"-2\"}", "hpa.yaml:10: spec.metrics[0].external.target.value: -2 must be above 0")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a, colour: blue}\nspec: {maxReplicas: 3, metrics: []}", "hpa.yaml:3: metadata.colour: unknown field")]
    [InlineData("kind: Deployment", "hpa.yaml:1: kind: 'Deployment' is not HorizontalPodAutoscaler or ScaledObject")]
    public void A_malformed_file_names_the_line_and_field(string text, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse(text, "hpa.yaml"));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Threshold_rules_cannot_be_exported_and_say_why()
    {
        var spec = PolicyFile.Parse("metrics: [{name: a, query: q, threshold: {up: 0.6, down: 0.2}}]");
        var error = Assert.Throws<PolicyFileException>(() => HpaFormat.Write(spec));
        Assert.Contains("threshold rule", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_names_what_a_hpa_cannot_express()
    {
        var hpa = KubernetesFormats.Unexpressed(PolicyFile.Parse(KubernetesOnly), "hpa");
        Assert.Equal(6, hpa.Count);
        Assert.Contains(hpa, l => l.StartsWith("minReplicas 0: a HorizontalPodAutoscaler takes it only with the alpha HPAScaleToZero feature gate; 1 is written", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("behavior.scaleUp.cooldown (30s)", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("metric 'rps' fallback", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("metric 'rps' ignoreNullValues", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("activation thresholds", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("checkInterval (10s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Metrics_with_different_tolerances_are_named_when_exported()
    {
        var spec = PolicyFile.Parse("""
            metrics:
              - {name: a, query: q, target: {value: 1, tolerance: 0.05}}
              - {name: b, query: q, target: {value: 1}}
            """);
        Assert.Contains(KubernetesFormats.Unexpressed(spec, "hpa"), l => l.StartsWith("per-metric tolerances", StringComparison.Ordinal));
    }
}
