using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Tests.PolicyFiles;
using Autoscaler.Testing;
using Files = Autoscaler.Core.PolicyFiles.PolicyFiles;

namespace Autoscaler.Core.Tests.Schemas;

/// <summary>
/// Every exported object is checked against our schemas of the real ones (KEDA's ScaledObject CRD, Kubernetes'
/// autoscaling/v2 OpenAPI; see the $comment of each), read the way kubectl reads YAML.
/// </summary>
public sealed class ExportSchemaTests
{
    private const string KedaSchema = "keda-scaledobject.schema.json";
    private const string HpaSchema = "hpa-autoscaling-v2.schema.json";

    /// <summary>Policies to export: the shipped ones that have target rules, and the test objects of every format.</summary>
    public static TheoryData<string, string> Exportable()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(RepositoryRoot.File("deploy/policies"), "*.yaml").Order(StringComparer.Ordinal))
        {
            if (Files.Load(file).Spec!.Metrics.All(m => m.Target is not null))
            {
                data.Add(Path.GetFileName(file), File.ReadAllText(file));
            }
        }

        const string rps = "autoscaler.dev/query.webapp_rps: sum(rate(webapp_request_count_total[1m]))";
        data.Add("hpa", HpaFormatTests.Hpa.Replace(rps, rps + "\n    autoscaler.dev/query.webapp_latency: avg(webapp_response_time_seconds)", StringComparison.Ordinal));
        data.Add("live hpa", HpaFormatTests.LiveHpa);
        data.Add("keda", KedaFormatTests.Keda);
        data.Add("live keda", KedaFormatTests.LiveKeda);
        data.Add("native with tolerance and connection", """
            minReplicas: 0
            maxReplicas: 12
            metrics:
              - name: "true"
                query: sum(rate(x_total[1m]))
                target: {value: 0.5, type: Value, tolerance: 0.05, scaleUpTolerance: 0}
                activationThreshold: 2
                ignoreNullValues: true
                prometheus:
                  serverAddress: http://prom:9090
                  customHeaders: {X-Scope-OrgID: "42"}
                  unsafeSsl: false
                  timeout: 1500ms
            kubernetes: {name: "123", namespace: "no"}
            """);
        return data;
    }

    [Theory]
    [MemberData(nameof(Exportable))]
    public void An_exported_scaled_object_is_valid_against_keda_s_crd(string name, string policy)
    {
        var spec = Files.Parse(policy, name);
        var yaml = KedaFormat.Write(spec);
        Assert.True(KubernetesYaml.Violations(yaml, KedaSchema) is [], $"{string.Join("\n", KubernetesYaml.Violations(yaml, KedaSchema))}\n{yaml}");
        Assert.True(spec.MinReplicas <= spec.MaxReplicas); // the CRD's CEL rule
    }

    [Theory]
    [MemberData(nameof(Exportable))]
    public void An_exported_hpa_is_valid_against_the_autoscaling_v2_schema(string name, string policy)
    {
        var yaml = HpaFormat.Write(Files.Parse(policy, name));
        Assert.True(KubernetesYaml.Violations(yaml, HpaSchema) is [], $"{string.Join("\n", KubernetesYaml.Violations(yaml, HpaSchema))}\n{yaml}");
    }

    [Fact]
    public void The_schemas_refuse_what_kubectl_refuses()
    {
        // What the exporter wrote before: metadata values as YAML numbers and booleans.
        var old = KedaFormat.Write(Files.Parse(KedaFormatTests.Keda, "keda.yaml"))
            .Replace("threshold: \"25\"", "threshold: 25", StringComparison.Ordinal)
            .Replace("ignoreNullValues: \"true\"", "ignoreNullValues: true", StringComparison.Ordinal);
        var violations = KubernetesYaml.Violations(old, KedaSchema);
        Assert.Contains(violations, v => v.StartsWith("/spec/triggers/0/metadata/threshold", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("/spec/triggers/0/metadata/ignoreNullValues", StringComparison.Ordinal));

        var hpa = HpaFormat.Write(Files.Parse(HpaFormatTests.LiveHpa, "live.yaml"));
        Assert.NotEmpty(KubernetesYaml.Violations(hpa.Replace("averageValue: \"40\"", "averageValue: 40", StringComparison.Ordinal), HpaSchema));
        Assert.NotEmpty(KubernetesYaml.Violations(hpa.Replace("name: shop-api", "nmae: shop-api", StringComparison.Ordinal), HpaSchema));
        Assert.NotEmpty(KubernetesYaml.Violations(hpa.Replace("periodSeconds: 15", "periodSeconds: 3600", StringComparison.Ordinal), HpaSchema));
    }
}
