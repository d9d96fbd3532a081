using Autoscaler.IntegrationTests.Deploy;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// Every PromQL expression of the Grafana dashboard and of the shipped alert rules, run by a real Prometheus that
/// scrapes a live `autoscaler up` stack under light load. `up` names its jobs as the Compose stack's Prometheus does
/// (webapp, gateway, scaler), so what works here works there.
/// </summary>
public sealed class DashboardQueriesTests
{
    [Fact]
    public async Task Every_dashboard_and_alert_query_runs_the_replica_panel_shows_the_live_count_and_the_thresholds_are_the_policy_s()
    {
        using var dashboard = await DashboardQueries.LoadDashboardAsync();
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Select(p => (Title: p.GetProperty("title").GetString()!, Exprs: p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList()))
            .ToList();
        var everyExpr = DashboardQueries.Exprs(dashboard.RootElement).Distinct(StringComparer.Ordinal).ToList();
        var ruleExprs = DashboardQueries.AlertRuleExprs();
        Assert.True(panels.Count >= 12 && ruleExprs.Count >= 8, $"{panels.Count} panels, {ruleExprs.Count} rules");
        Assert.Contains(everyExpr, e => e.StartsWith("changes(autoscaler_desired_replicas", StringComparison.Ordinal)); // the annotation
        var replicaPanel = panels.Single(p => p.Title == "Replicas");
        var thresholdPanel = panels.Single(p => p.Title == "Each metric against its policy's thresholds");
        foreach (var pipelinePanel in new[] { "Proposals per metric", "Decisions by direction and reason", "Scale actions and failures", "Evaluation and query duration (p95)" })
        {
            Assert.Contains(pipelinePanel, panels.Select(p => p.Title));
        }

        // Two replicas from the start (min 2), so the replica count is not just the default; thresholds that are not
        // the defaults, so a dashboard that drew 0.6 and 0.2 as constants would be caught.
        await using var stack = await LiveStack.StartAsync("--min-replicas", "2", "--scale-up-threshold", "0.7", "--scale-down-threshold", "0.15");
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

        // The thresholds come from the scaler: exactly the ones it runs with.
        var thresholds = await QueryAsync(stack, thresholdPanel.Exprs[1]);
        Assert.Equal([0.15, 0.7], thresholds.Order());

        // Every job the alert rules name is one this stack's Prometheus scrapes, and it is up.
        foreach (var job in ruleExprs.SelectMany(e => System.Text.RegularExpressions.Regex.Matches(e, @"job=""([^""]+)""")).Select(m => m.Groups[1].Value).Distinct())
        {
            var up = await QueryAsync(stack, $"up{{job=\"{job}\"}}");
            Assert.True(up.Count > 0 && up.All(v => v == 1), $"job {job}: up = [{string.Join(", ", up)}]");
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

    private static Task<List<double>> QueryAsync(LiveStack stack, string expr) => DashboardQueries.QueryAsync(stack.Http, stack.Prometheus, expr);
}
