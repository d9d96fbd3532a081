using Autoscaler.Core.Behavior;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class KubernetesFormatsTests
{
    private const string Hpa = """
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

    private const string Keda = """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: webapp}
        spec:
          scaleTargetRef: {name: webapp}
          pollingInterval: 15
          cooldownPeriod: 120
          minReplicaCount: 1
          maxReplicaCount: 8
          fallback: {failureThreshold: 3, replicas: 4}
          advanced:
            horizontalPodAutoscalerConfig:
              behavior:
                scaleUp:
                  policies: [{type: Percent, value: 50, periodSeconds: 30}]
          triggers:
            - type: prometheus
              metadata:
                serverAddress: http://prometheus:9090
                query: sum(rate(webapp_request_count_total[1m]))
                threshold: "25"
                activationThreshold: "5"
        """;

    private static readonly Dictionary<string, string> Queries = new() { ["webapp_latency"] = "avg(webapp_response_time_seconds)" };

    [Fact]
    public void A_hpa_becomes_target_rules_with_its_behavior_and_hpa_defaults_where_it_says_nothing()
    {
        var spec = KubernetesFormats.Parse(Hpa, "hpa.yaml", Queries);
        Assert.Equal((2, 10), (spec.MinReplicas, spec.MaxReplicas));
        Assert.Equal(("webapp_rps", "sum(rate(webapp_request_count_total[1m]))", 30.0, TargetType.AverageValue),
            (spec.Metrics[0].Name, spec.Metrics[0].Query, spec.Metrics[0].Target!.Target, spec.Metrics[0].Target!.Type));
        Assert.Equal((0.3, TargetType.Value, "avg(webapp_response_time_seconds)"), (spec.Metrics[1].Target!.Target, spec.Metrics[1].Target!.Type, spec.Metrics[1].Query));
        Assert.Equal(60, spec.EffectiveBehavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(new ScalingRule(ScalingRuleType.Pods, 1, 30), Assert.Single(spec.EffectiveBehavior.ScaleDown.Policies));
        Assert.Equal(ScalingBehavior.HpaDefaults.ScaleUp.Policies, spec.EffectiveBehavior.ScaleUp.Policies);
    }

    [Fact]
    public void A_keda_scaled_object_becomes_an_average_value_target_with_fallback_polling_and_keda_null_handling()
    {
        var spec = KubernetesFormats.Parse(Keda, "keda.yaml");
        Assert.Equal((1, 8, TimeSpan.FromSeconds(15)), (spec.MinReplicas, spec.MaxReplicas, spec.CheckInterval!.Value));
        var metric = Assert.Single(spec.Metrics);
        Assert.Equal((25.0, TargetType.AverageValue), (metric.Target!.Target, metric.Target.Type));
        Assert.Equal(new(3, 4, true), metric.OnFailure);
        Assert.Equal(TimeSpan.FromSeconds(120), spec.ScaleToZeroAfter); // cooldownPeriod: the delay before scaling to zero
        Assert.Equal(TimeSpan.Zero, spec.EffectiveBehavior.ScaleDown.Cooldown);
        Assert.Equal(5.0, metric.ActivationThreshold);
        Assert.Equal(new ScalingRule(ScalingRuleType.Percent, 50, 30), Assert.Single(spec.EffectiveBehavior.ScaleUp.Policies));
    }

    [Fact]
    public void Hpa_round_trip_gives_an_equivalent_policy()
    {
        var spec = KubernetesFormats.Parse(Hpa, "hpa.yaml", Queries);
        var again = KubernetesFormats.Parse(KubernetesFormats.WriteHpa(spec), "written.yaml");
        Assert.Equal(PolicyFile.Write(spec), PolicyFile.Write(again));
    }

    [Fact]
    public void Keda_round_trip_gives_an_equivalent_policy()
    {
        var spec = KubernetesFormats.Parse(Keda, "keda.yaml");
        var again = KubernetesFormats.Parse(KubernetesFormats.WriteKeda(spec, "http://prometheus:9090"), "written.yaml");
        Assert.Equal(PolicyFile.Write(spec), PolicyFile.Write(again));
    }

    [Fact]
    public void A_native_policy_exports_to_both_and_reads_back_the_same()
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
        var fromHpa = KubernetesFormats.Parse(KubernetesFormats.WriteHpa(native));
        fromHpa.CheckInterval = native.CheckInterval; // a HorizontalPodAutoscaler has no check interval of its own
        Assert.Equal(PolicyFile.Write(native), PolicyFile.Write(fromHpa));
        var keda = KubernetesFormats.Parse(KubernetesFormats.WriteKeda(native, "http://p:9090"));
        Assert.Equal((40.0, 1, 6), (keda.Metrics[0].Target!.Target, keda.MinReplicas, keda.MaxReplicas));
    }

    [Theory]
    [InlineData("kind: HorizontalPodAutoscaler\napiVersion: autoscaling/v1\nspec: {maxReplicas: 3, metrics: []}", "hpa.yaml:2: apiVersion: 'autoscaling/v1' is not autoscaling/v2")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n    - type: Resource\n      resource: {name: cpu}", "hpa.yaml:6: spec.metrics[0].type: 'Resource' metrics cannot be read from Prometheus")]
    [InlineData("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 3\n  metrics:\n    - type: External\n      external:\n        metric: {name: nope}\n        target: {type: Value, value: \"1\"}", "no PromQL for 'nope'")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: cpu\n      metadata: {query: q, threshold: \"1\"}", "hpa.yaml:4: spec.triggers[0].type: 'cpu' triggers are not supported")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata: {query: q, threshold: many}", "spec.triggers[0].metadata.threshold: 'many' is not a positive number")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata:\n        query: q\n        threshold: \"1\"\n        activationThreshold: lots", "hpa.yaml:8: spec.triggers[0].metadata.activationThreshold: 'lots' is not a number")]
    [InlineData("kind: Deployment", "hpa.yaml:1: kind: 'Deployment' is not HorizontalPodAutoscaler or ScaledObject")]
    public void A_malformed_file_names_the_line_and_field(string text, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => KubernetesFormats.Parse(text, "hpa.yaml"));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Threshold_rules_cannot_be_exported_and_say_why()
    {
        var spec = PolicyFile.Parse("metrics: [{name: a, query: q, threshold: {up: 0.6, down: 0.2}}]");
        var error = Assert.Throws<PolicyFileException>(() => KubernetesFormats.WriteHpa(spec));
        Assert.Contains("threshold rule", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_names_what_the_format_cannot_express()
    {
        var spec = PolicyFile.Parse("""
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
            """);
        var hpa = KubernetesFormats.Unexpressed(spec, "hpa");
        Assert.Equal(5, hpa.Count);
        Assert.Contains(hpa, l => l.StartsWith("behavior.scaleUp.cooldown (30s)", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("metric 'rps' fallback", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("metric 'rps' ignoreNullValues", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("activation thresholds", StringComparison.Ordinal));
        Assert.Contains(hpa, l => l.StartsWith("checkInterval (10s)", StringComparison.Ordinal));

        // KEDA has fallback, null handling and activation; only the cooldown is lost.
        Assert.Equal("behavior.scaleUp.cooldown (30s)", Assert.Single(KubernetesFormats.Unexpressed(spec, "keda"))[..31]);
        var keda = KubernetesFormats.Parse(KubernetesFormats.WriteKeda(spec, "http://p:9090"));
        Assert.Equal((0, 1.0, 3), (keda.MinReplicas, keda.Metrics[0].ActivationThreshold, keda.Metrics[0].OnFailure.FallbackAfter));
    }
}
