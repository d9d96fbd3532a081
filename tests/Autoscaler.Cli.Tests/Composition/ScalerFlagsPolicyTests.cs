using Autoscaler.Cli.Composition;
using Autoscaler.Testing;

namespace Autoscaler.Cli.Tests.Composition;

/// <summary>How a KEDA ScaledObject given with --policy sets the scaler's Prometheus connection.</summary>
public sealed class ScalerFlagsPolicyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Trigger(string name, string server) => $"""
            - type: prometheus
              name: {name}
              metadata:
                serverAddress: {server}
                query: sum(rate(http_requests_total[1m]))
                threshold: "50"
                customHeaders: X-Scope-OrgID=shop
                unsafeSsl: "true"
                timeout: "5000"
        """;

    private string Keda(params string[] triggers)
    {
        var path = _dir.File("keda.yaml");
        File.WriteAllText(path, $"""
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {"{"}name: shop{"}"}
            spec:
              scaleTargetRef: {"{"}name: shop{"}"}
              triggers:
            {string.Join("\n", triggers)}
            """);
        return path;
    }

    private static ScalerSettings Bind(params string[] args) => ScalerFlagsParser.Bind(args);

    [Fact]
    public void The_triggers_server_headers_tls_check_and_timeout_set_the_prometheus_client()
    {
        var settings = Bind("--policy", Keda(Trigger("rps", "https://thanos.monitoring.svc:9091")));

        var p = settings.Prometheus;
        Assert.Equal(("https://thanos.monitoring.svc:9091", "shop", true, TimeSpan.FromSeconds(5)), (p.Url, p.Headers["X-Scope-OrgID"], p.InsecureSkipVerify, p.Timeout));
    }

    [Fact]
    public void The_prometheus_url_flag_wins_over_the_policy()
    {
        var settings = Bind("--policy", Keda(Trigger("rps", "https://thanos.monitoring.svc:9091")), "--prometheus-url", "http://127.0.0.1:9999");
        Assert.Equal("http://127.0.0.1:9999", settings.Prometheus.Url);
    }

    [Fact]
    public void Triggers_on_different_servers_are_refused_before_anything_starts()
    {
        var error = Assert.Throws<UsageException>(() => Bind("--policy", Keda(Trigger("a", "http://one:9090"), Trigger("b", "http://two:9090"))));
        Assert.Contains("the metrics name different Prometheus connections (a: http://one:9090, b: http://two:9090)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_with_several_documents_is_refused_naming_them()
    {
        var path = Keda(Trigger("rps", "http://p:9090"));
        File.AppendAllText(path, "\n---\nmetrics: [{name: a, query: up, fixed: 1}]\n");
        var error = Assert.Throws<UsageException>(() => Bind("--policy", path));
        Assert.Contains("holds 2 policies (document 1 (ScaledObject shop, line 1); document 2 (policy, line ", error.Message, StringComparison.Ordinal);
    }
}
