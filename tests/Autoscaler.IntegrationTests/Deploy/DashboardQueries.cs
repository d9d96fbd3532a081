using System.Globalization;
using System.Text.Json;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// The PromQL of the shipped Grafana dashboard and alert rules, and how to run it against a real Prometheus as Grafana
/// would (its variables filled in).
/// </summary>
internal static class DashboardQueries
{
    // Grafana fills these in before it sends a query; a window of a few scrapes is what Grafana would pick.
    private static readonly Dictionary<string, string> GrafanaVariables = new(StringComparer.Ordinal)
    {
        ["$__rate_interval"] = "20s",
        ["$__interval"] = "5s",
        ["$__range"] = "1m",
    };

    public static async Task<JsonDocument> LoadDashboardAsync() =>
        JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("deploy/grafana/dashboards/autoscaling.json"), TestContext.Current.CancellationToken));

    /// <summary>Every "expr" anywhere in the dashboard: panel targets and annotation queries.</summary>
    public static IEnumerable<string> Exprs(JsonElement element) =>
        Descendants(element).Where(p => p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()!);

    /// <summary>Every property of <paramref name="element"/>, at any depth (in arrays too), each before the ones inside it.</summary>
    public static IEnumerable<JsonProperty> Descendants(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return property;
                foreach (var inner in Descendants(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var inner in element.EnumerateArray().SelectMany(Descendants))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The expression of every rule in deploy/prometheus/alert_rules.yml.</summary>
    public static List<string> AlertRuleExprs() =>
        [.. DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/prometheus/alert_rules.yml"), "groups"))
            .SelectMany(g => DeployFiles.Seq(DeployFiles.Get(g, "rules")))
            .Select(r => DeployFiles.Str(DeployFiles.Get(r, "expr"))!)];

    /// <summary>Runs an instant query; fails the test with Prometheus's own message unless the status is success.</summary>
    public static async Task<List<double>> QueryAsync(HttpClient http, Uri prometheus, string expr)
    {
        var query = GrafanaVariables.Aggregate(expr, (q, v) => q.Replace(v.Key, v.Value, StringComparison.Ordinal));
        Assert.False(query.Contains('$', StringComparison.Ordinal), $"an unknown Grafana variable in: {expr}");
        using var response = await http.GetAsync(new Uri(prometheus, "api/v1/query?query=" + Uri.EscapeDataString(query)));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("status").GetString() == "success", $"{query}: {body}");
        return [.. json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))];
    }
}
