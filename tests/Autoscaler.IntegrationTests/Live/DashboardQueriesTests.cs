using System.Globalization;
using System.Text.Json;
using Autoscaler.IntegrationTests.Deploy;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// Every PromQL expression of the Grafana dashboard and of the shipped alert rules, run by a real Prometheus that
/// scrapes a live `autoscaler up` stack under light load. `up` names its jobs as the Compose stack's Prometheus does
/// (webapp, gateway, scaler), so what works here works there.
/// </summary>
public sealed class DashboardQueriesTests
{
    // Grafana fills these in before it sends a query; a window of a few scrapes (1 s here) is what Grafana would pick.
    private static readonly Dictionary<string, string> GrafanaVariables = new(StringComparer.Ordinal)
    {
        ["$__rate_interval"] = "20s",
        ["$__interval"] = "5s",
        ["$__range"] = "1m",
    };

    [Fact]
    public async Task Every_dashboard_and_alert_query_runs_and_the_replica_panel_shows_the_live_count()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryRoot.File("deploy/grafana/dashboards/autoscaling.json"), TestContext.Current.CancellationToken));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Select(p => (Title: p.GetProperty("title").GetString()!, Exprs: p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList()))
            .ToList();
        var everyExpr = Exprs(dashboard.RootElement).Distinct(StringComparer.Ordinal).ToList();
        var ruleExprs = DeployFiles.Seq(DeployFiles.Get(DeployFiles.Load("deploy/prometheus/alert_rules.yml"), "groups"))
            .SelectMany(g => DeployFiles.Seq(DeployFiles.Get(g, "rules")))
            .Select(r => DeployFiles.Str(DeployFiles.Get(r, "expr"))!).ToList();
        Assert.True(panels.Count >= 8 && ruleExprs.Count >= 4, $"{panels.Count} panels, {ruleExprs.Count} rules");
        Assert.Contains(everyExpr, e => e.StartsWith("changes(autoscaler_desired_replicas", StringComparison.Ordinal)); // the annotation
        var replicaPanel = panels.Single(p => p.Title == "Replicas");

        // Two replicas from the start (min 2), so the replica count is not just the default.
        await using var stack = await LiveStack.StartAsync("--min-replicas", "2");
        await using var load = AutoscalerProcess.Start("load", "--url", stack.Gateway.ToString(), "--rate", "15", "--duration", "120s");
        await LiveStack.WaitForAsync(async () => await stack.CurrentReplicasAsync() == 2, TimeSpan.FromSeconds(60), () => stack.Process.Output);

        // Panels show data once Prometheus has a few scrapes of the replicas under load.
        var empty = new List<string>();
        await LiveStack.WaitForAsync(async () =>
        {
            empty.Clear();
            foreach (var (title, exprs) in panels)
            {
                foreach (var expr in exprs)
                {
                    if ((await QueryAsync(stack, expr)).Count == 0)
                    {
                        empty.Add($"{title}: {expr}");
                    }
                }
            }

            return empty.Count == 0;
        }, TimeSpan.FromSeconds(60), () => "panel queries without data:\n" + string.Join('\n', empty));

        // The annotation and the alert rules may rightly be empty (nothing changed, nothing fires); they must run.
        foreach (var expr in everyExpr.Concat(ruleExprs))
        {
            await QueryAsync(stack, expr);
        }

        var live = await stack.CurrentReplicasAsync();
        await LiveStack.WaitForAsync(async () =>
        {
            foreach (var expr in replicaPanel.Exprs)
            {
                var values = await QueryAsync(stack, expr);
                if (values.Count != 1 || values[0] != live)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(30), () => $"the Replicas panel does not show the live count {live}");
        Assert.Equal(2, live);
    }

    /// <summary>Runs an instant query; fails the test with Prometheus's own message unless the status is success.</summary>
    private static async Task<List<double>> QueryAsync(LiveStack stack, string expr)
    {
        var query = GrafanaVariables.Aggregate(expr, (q, v) => q.Replace(v.Key, v.Value, StringComparison.Ordinal));
        Assert.False(query.Contains('$', StringComparison.Ordinal), $"an unknown Grafana variable in: {expr}");
        using var response = await stack.Http.GetAsync(new Uri(stack.Prometheus, "api/v1/query?query=" + Uri.EscapeDataString(query)));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("status").GetString() == "success", $"{query}: {body}");
        return [.. json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))];
    }

    /// <summary>Every "expr" anywhere in the dashboard: panel targets and annotation queries.</summary>
    private static IEnumerable<string> Exprs(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }

                foreach (var inner in Exprs(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var inner in element.EnumerateArray().SelectMany(Exprs))
            {
                yield return inner;
            }
        }
    }
}
