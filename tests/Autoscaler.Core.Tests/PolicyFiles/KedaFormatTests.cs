using Autoscaler.Core.Behavior;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Policies;
using Files = Autoscaler.Core.PolicyFiles.PolicyFiles;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class KedaFormatTests
{
    internal const string Keda = """
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

    // A production ScaledObject as `kubectl get scaledobject shop -n prod -o yaml` prints it: authentication, headers,
    // TLS, a Thanos namespace, and what the server adds (status, uid, managedFields, finalizers).
    internal const string LiveKeda = """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata:
          annotations:
            kubectl.kubernetes.io/last-applied-configuration: |
              {"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"shop","namespace":"prod"}}
          creationTimestamp: "2026-11-02T09:14:07Z"
          finalizers:
          - finalizer.keda.sh
          generation: 2
          labels:
            scaledobject.keda.sh/name: shop
          name: shop
          namespace: prod
          resourceVersion: "918301"
          uid: 5d1f0c2a-77b4-4f8e-a3c1-0e9b2d6f4a11
        spec:
          cooldownPeriod: 300
          maxReplicaCount: 30
          minReplicaCount: 2
          pollingInterval: 20
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: shop-api
          triggers:
          - type: prometheus
            name: rps
            metricType: AverageValue
            authenticationRef:
              name: thanos-credentials
              kind: ClusterTriggerAuthentication
            metadata:
              serverAddress: https://thanos-querier.monitoring.svc:9091
              namespace: prod
              query: sum(rate(http_requests_total{app="shop"}[2m]))
              threshold: "50"
              activationThreshold: "1"
              authModes: bearer
              customHeaders: X-Scope-OrgID=shop,X-Client=keda
              unsafeSsl: "true"
              timeout: "5000"
              ignoreNullValues: "false"
        status:
          conditions:
          - message: ScaledObject is defined correctly and is ready for scaling
            reason: ScaledObjectReady
            status: "True"
            type: Ready
          externalMetricNames:
          - s0-prometheus
          hpaName: keda-hpa-shop
          originalReplicaCount: 2
          scaleTargetGVKR:
            group: apps
            kind: Deployment
            resource: deployments
            version: v1
          scaleTargetKind: apps/v1.Deployment
        """;

    [Fact]
    public void A_keda_scaled_object_becomes_an_average_value_target_with_fallback_polling_and_keda_null_handling()
    {
        var spec = Files.Parse(Keda, "keda.yaml");
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
    public void Keda_round_trip_gives_an_equivalent_policy()
    {
        var spec = Files.Parse(Keda, "keda.yaml");
        var again = Files.Parse(KedaFormat.Write(spec), "written.yaml");
        Assert.Equal(PolicyFile.Write(spec), PolicyFile.Write(again));
    }

    [Fact]
    public void Every_metadata_value_is_written_as_a_string()
    {
        var written = KedaFormat.Write(Files.Parse(Keda, "keda.yaml"));
        Assert.Contains("threshold: \"25\"", written, StringComparison.Ordinal);
        Assert.Contains("activationThreshold: \"5\"", written, StringComparison.Ordinal);
        Assert.Contains("ignoreNullValues: \"true\"", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_live_scaled_object_with_auth_headers_and_tls_is_read_and_its_connection_kept()
    {
        var document = Files.ParseAll(LiveKeda, "live.yaml").Single();
        Assert.True(document.Ok, string.Join("\n", document.Problems));
        var metric = Assert.Single(document.Spec!.Metrics);
        Assert.Equal(new PrometheusConnection
        {
            ServerAddress = "https://thanos-querier.monitoring.svc:9091",
            Namespace = "prod",
            CustomHeaders = new Dictionary<string, string> { ["X-Scope-OrgID"] = "shop", ["X-Client"] = "keda" },
            UnsafeSsl = true,
            Timeout = TimeSpan.FromSeconds(5),
            AuthModes = "bearer",
            AuthenticationRef = new AuthenticationRef("thanos-credentials", "ClusterTriggerAuthentication"),
        }, metric.Prometheus);
        Assert.Equal(new KubernetesObject("shop", "prod", "apps/v1", "Deployment", "shop-api"), document.Spec.Kubernetes);
        Assert.False(metric.OnFailure.IgnoreNullValues);
    }

    [Fact]
    public void Server_address_namespace_and_auth_survive_a_round_trip_directly_and_through_our_format()
    {
        var spec = Files.Parse(LiveKeda, "live.yaml");
        var direct = Files.Parse(KedaFormat.Write(spec), "direct.yaml");
        var throughOurs = Files.Parse(KedaFormat.Write(Files.Parse(PolicyFile.Write(spec), "ours.yaml")), "again.yaml");

        foreach (var again in new[] { direct, throughOurs })
        {
            Assert.Equal(spec.Metrics[0].Prometheus, again.Metrics[0].Prometheus);
            Assert.Equal(spec.Kubernetes, again.Kubernetes);
            Assert.Equal(PolicyFile.Write(spec), PolicyFile.Write(again));
        }

        Assert.Contains("serverAddress: https://thanos-querier.monitoring.svc:9091", KedaFormat.Write(spec), StringComparison.Ordinal);
    }

    [Fact]
    public void The_prometheus_url_flag_replaces_every_server_address()
    {
        var spec = Files.Parse(LiveKeda, "live.yaml");
        var written = KedaFormat.Write(spec, new ExportOptions(PrometheusUrl: "http://prom.local:9090"));
        Assert.Equal("http://prom.local:9090", Files.Parse(written).Metrics[0].Prometheus!.ServerAddress);
    }

    /// <summary>A ScaledObject with KEDA's pause annotation, scalingModifiers and a fallback over two prometheus triggers.</summary>
    internal const string PausedFormula = """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata:
          name: shop
          annotations:
            autoscaling.keda.sh/paused-replicas: "2"
            kubectl.kubernetes.io/last-applied-configuration: "{}"
        spec:
          scaleTargetRef: {name: shop}
          minReplicaCount: 1
          maxReplicaCount: 10
          fallback: {failureThreshold: 3, replicas: 4}
          advanced:
            scalingModifiers:
              formula: "rps / 30 + backlog / 10"
              target: "1"
              activationTarget: "0.5"
              metricType: AverageValue
          triggers:
            - type: prometheus
              name: rps
              metadata:
                serverAddress: "http://p:9090"
                query: sum(rate(a_total[1m]))
                threshold: "1"
                ignoreNullValues: "false"
            - type: prometheus
              name: backlog
              metadata:
                serverAddress: "http://p:9090"
                query: sum(queue_length)
                threshold: "1"
                ignoreNullValues: "true"
        """;

    /// <summary>A ScaledObject whose cron trigger raises the count in office hours beside a prometheus trigger.</summary>
    internal const string WithCron = """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: shop}
        spec:
          scaleTargetRef: {name: shop}
          minReplicaCount: 1
          maxReplicaCount: 10
          triggers:
            - type: prometheus
              metadata:
                serverAddress: "http://p:9090"
                query: sum(rate(a_total[1m]))
                threshold: "30"
            - type: cron
              name: business-hours
              metadata:
                timezone: Europe/Berlin
                start: "0 8 * * 1-5"
                end: "0 18 * * 1-5"
                desiredReplicas: "3"
        """;

    [Fact]
    public void Pause_annotations_and_scaling_modifiers_become_the_policys_pause_and_formula()
    {
        var document = Files.ParseAll(PausedFormula, "so.yaml").Single();
        Assert.True(document.Ok, string.Join("\n", document.Problems));
        Assert.Empty(document.Warnings);
        var spec = document.Spec!;

        Assert.Equal(2, spec.PausedReplicas);
        var formula = spec.Formula!;
        Assert.Equal("rps / 30 + backlog / 10", formula.Expression);
        Assert.Equal(1, formula.Target.Target);
        Assert.Equal(TargetType.AverageValue, formula.Target.Type);
        Assert.Equal(0.5, formula.ActivationThreshold);
        Assert.Equal((3, 4), (formula.OnFailure.FallbackAfter, formula.OnFailure.FallbackReplicas));

        // The triggers only feed the formula: no threshold, activation or fallback of their own, as KEDA ignores them.
        Assert.Equal(["rps", "backlog"], spec.Metrics.Select(m => m.Name));
        Assert.All(spec.Metrics, m => Assert.Equal(("input", (int?)null, (double?)null), (m.Rule, m.OnFailure.FallbackAfter, m.ActivationThreshold)));
        Assert.Equal([false, true], spec.Metrics.Select(m => m.OnFailure.IgnoreNullValues));

        // What runs: paused at 2.
        Assert.Equal(2, spec.StartPause(DateTimeOffset.UnixEpoch)!.Replicas);
    }

    [Fact]
    public void A_cron_trigger_becomes_a_window_that_raises_the_minimum_and_is_written_back_as_one()
    {
        var document = Files.ParseAll(WithCron, "so.yaml").Single();
        Assert.True(document.Ok, string.Join("\n", document.Problems));
        Assert.Empty(document.Warnings);
        var spec = document.Spec!;
        Assert.Equal(["prometheus"], spec.Metrics.Select(m => m.Name));
        var window = Assert.Single(spec.Schedules);
        Assert.Equal(("business-hours", "0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", (int?)3, (int?)null),
            (window.Name, window.Start, window.End, window.TimeZone, window.MinReplicas, window.MaxReplicas));

        var yaml = KedaFormat.Write(spec);
        Assert.Contains("desiredReplicas: \"3\"", yaml, StringComparison.Ordinal);
        foreach (var back in new[] { Files.Parse(yaml, "direct.yaml"), Files.Parse(KedaFormat.Write(Files.Parse(PolicyFile.Write(spec), "ours.yaml")), "via.yaml") })
        {
            var w = Assert.Single(back.Schedules);
            Assert.Equal((window.Name, window.Start, window.End, window.TimeZone, window.MinReplicas), (w.Name, w.Start, w.End, w.TimeZone, w.MinReplicas));
        }
    }

    [Fact]
    public void A_cron_trigger_under_scaling_modifiers_is_refused_with_the_reason()
    {
        var text = PausedFormula.Replace("""
                    ignoreNullValues: "true"
            """, """
                    ignoreNullValues: "true"
                - type: cron
                  metadata: {timezone: UTC, start: "0 8 * * *", end: "0 9 * * *", desiredReplicas: "3"}
            """, StringComparison.Ordinal);
        var problem = Assert.Single(Assert.Throws<PolicyFileException>(() => Files.Parse(text, "so.yaml")).Problems);
        Assert.StartsWith("so.yaml:34: spec.triggers[2].type: a cron trigger under scalingModifiers only counts through the formula", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Pause_and_formula_survive_a_round_trip_directly_and_through_our_format()
    {
        var original = Files.Parse(PausedFormula, "so.yaml");
        var direct = Files.Parse(KedaFormat.Write(original), "direct.yaml");
        var viaOurs = Files.Parse(KedaFormat.Write(Files.Parse(PolicyFile.Write(original), "ours.yaml")), "via.yaml");
        foreach (var spec in new[] { direct, viaOurs })
        {
            Assert.Equal(2, spec.PausedReplicas);
            Assert.Equal((original.Formula!.Expression, 1.0, TargetType.AverageValue, (double?)0.5, (int?)3, 4),
                (spec.Formula!.Expression, spec.Formula.Target.Target, spec.Formula.Target.Type, spec.Formula.ActivationThreshold, spec.Formula.OnFailure.FallbackAfter, spec.Formula.OnFailure.FallbackReplicas));
            Assert.Equal(["rps", "backlog"], spec.Metrics.Select(m => m.Name));
            Assert.Equal(original.Metrics.Select(m => (m.Query, m.Rule, m.OnFailure.IgnoreNullValues)), spec.Metrics.Select(m => (m.Query, m.Rule, m.OnFailure.IgnoreNullValues)));
        }

        Assert.Contains("autoscaling.keda.sh/paused-replicas: \"2\"", KedaFormat.Write(original), StringComparison.Ordinal);
    }

    [Fact]
    public void Paused_true_holds_the_current_count_and_paused_replicas_wins_over_it()
    {
        static PolicySpec Read(string annotations) => Files.Parse($$$"""
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: shop
              annotations: {{{{annotations}}}}
            spec:
              scaleTargetRef: {name: shop}
              triggers: [{type: prometheus, metadata: {serverAddress: "http://p:9090", query: "sum(x)", threshold: "5"}}]
            """, "so.yaml");

        var paused = Read("autoscaling.keda.sh/paused: \"true\"");
        Assert.Equal((true, (int?)null), (paused.Paused, paused.PausedReplicas));
        Assert.Null(paused.StartPause(DateTimeOffset.UnixEpoch)!.Replicas);
        Assert.Contains("autoscaling.keda.sh/paused: \"true\"", KedaFormat.Write(paused), StringComparison.Ordinal);

        var both = Read("autoscaling.keda.sh/paused: \"false\", autoscaling.keda.sh/paused-replicas: \"0\"");
        Assert.Equal(0, both.StartPause(DateTimeOffset.UnixEpoch)!.Replicas);
        Assert.Null(Read("autoscaling.keda.sh/paused: \"false\"").StartPause(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Bad_pause_and_formula_fields_are_named_on_their_lines()
    {
        var text = PausedFormula
            .Replace("paused-replicas: \"2\"", "paused-replicas: \"20\"", StringComparison.Ordinal)
            .Replace("backlog / 10", "backlogg / 10", StringComparison.Ordinal)
            .Replace("target: \"1\"", "target: \"-1\"", StringComparison.Ordinal);
        var problems = Assert.Throws<PolicyFileException>(() => Files.Parse(text, "so.yaml")).Problems;
        Assert.Collection(problems,
            p => Assert.StartsWith("so.yaml:6: metadata.annotations.autoscaling.keda.sh/paused-replicas: 20 is above maxReplicaCount 10", p, StringComparison.Ordinal),
            p => Assert.StartsWith("so.yaml:15:", p, StringComparison.Ordinal),
            p => Assert.StartsWith("so.yaml:16: spec.advanced.scalingModifiers.target: -1 must be above 0", p, StringComparison.Ordinal));
        Assert.Contains("backlogg", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_hpa_export_refuses_a_formula_and_names_the_pause_and_windows_it_cannot_carry()
    {
        var spec = Files.Parse(PausedFormula, "so.yaml");
        spec.Schedules.AddRange(Files.Parse(WithCron, "cron.yaml").Schedules);
        var refused = Assert.Throws<PolicyFileException>(() => HpaFormat.Write(spec));
        Assert.Contains("the formula 'rps / 30 + backlog / 10' combining the metrics has no equivalent in a HorizontalPodAutoscaler; KEDA's scalingModifiers has one: export keda", refused.Message, StringComparison.Ordinal);

        spec.Formula = null;
        spec.Metrics.ForEach(m => m.Target = new TargetPolicyOptions { Target = 10, Type = TargetType.AverageValue });
        var lost = KubernetesFormats.Unexpressed(spec, "hpa");
        Assert.Contains(lost, l => l.StartsWith("the pause: a HorizontalPodAutoscaler cannot be paused", StringComparison.Ordinal));
        Assert.Contains(lost, l => l.StartsWith("schedule 'business-hours': a HorizontalPodAutoscaler has no schedules", StringComparison.Ordinal));
        Assert.DoesNotContain(KubernetesFormats.Unexpressed(spec, "keda"), l => l.Contains("schedule", StringComparison.Ordinal) || l.Contains("pause", StringComparison.Ordinal));
    }

    [Fact]
    public void A_keda_export_names_the_windows_a_cron_trigger_cannot_carry()
    {
        var spec = Files.Parse(File.ReadAllText(Autoscaler.Testing.RepositoryRoot.File("deploy/policies/business-hours.yaml")), "business-hours.yaml");
        var yaml = KedaFormat.Write(spec);
        Assert.Contains("type: cron", yaml, StringComparison.Ordinal);
        Assert.Equal(
            ["schedule 'nightly-batch': a KEDA cron trigger needs an end expression, not a duration; the window is not written"],
            KubernetesFormats.Unexpressed(spec, "keda").Where(l => l.StartsWith("schedule", StringComparison.Ordinal)));
        var back = Files.Parse(yaml, "back.yaml");
        Assert.Equal(["business-hours"], back.Schedules.Select(w => w.Name));
    }

    [Fact]
    public void Every_problem_is_reported_together_sorted_by_line()
    {
        var text = """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {name: shop}
            spec:
              scaleTargetRef: {name: shop}
              minReplicaCount: 9
              maxReplicaCount: 3
              triggers:
                - type: prometheus
                  metadata:
                    serverAddress: "http://p:9090"
                    query: sum(rate(a[1m])
                    threshold: "-5"
            """;
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse(text, "so.yaml"));
        Assert.Equal(
            [
                "so.yaml:6: spec.minReplicaCount: 9 must not exceed maxReplicaCount 3",
                "so.yaml:12:19: spec.triggers[0].metadata.query: '(' is never closed (a ')' is missing)",
                "so.yaml:13: spec.triggers[0].metadata.threshold: -5 must be above 0",
            ],
            error.Problems);
    }

    [Fact]
    public void A_number_where_keda_wants_a_string_is_a_warning_that_says_to_quote_it()
    {
        var text = Keda.Replace("threshold: \"25\"", "threshold: 25", StringComparison.Ordinal);
        var document = Files.ParseAll(text, "keda.yaml").Single();
        Assert.True(document.Ok);
        Assert.Contains(document.Warnings, w => w.Field == "spec.triggers[0].metadata.threshold" && w.Message.StartsWith("write it quoted (\"25\")", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: cpu\n      metadata: {query: q, threshold: \"1\"}", "keda.yaml:4: spec.triggers[0].type: 'cpu' triggers are not supported")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata: {query: q, threshold: many}", "spec.triggers[0].metadata.threshold: 'many' is not a number")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata:\n        query: q\n        threshold: \"1\"\n        activationThreshold: lots", "keda.yaml:8: spec.triggers[0].metadata.activationThreshold: 'lots' is not a number")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata: {query: q, threshold: \"1\", customHeaders: \"X-A\"}", "spec.triggers[0].metadata.customHeaders: 'X-A' is not NAME=VALUE")]
    [InlineData("kind: ScaledObject\nspec:\n  triggers:\n    - type: prometheus\n      metadata: {query: q, threshold: \"1\", thresold: \"2\"}", "spec.triggers[0].metadata.thresold: unknown field")]
    public void A_malformed_file_names_the_line_and_field(string text, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse(text, "keda.yaml"));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_export_names_what_keda_cannot_express_and_keeps_fallback_null_handling_and_activation()
    {
        var spec = PolicyFile.Parse(HpaFormatTests.KubernetesOnly);

        Assert.Equal("behavior.scaleUp.cooldown (30s)", Assert.Single(KubernetesFormats.Unexpressed(spec, "keda"))[..31]);
        var keda = Files.Parse(KedaFormat.Write(spec));
        Assert.Equal((0, 1.0, 3), (keda.MinReplicas, keda.Metrics[0].ActivationThreshold, keda.Metrics[0].OnFailure.FallbackAfter));
    }
}
