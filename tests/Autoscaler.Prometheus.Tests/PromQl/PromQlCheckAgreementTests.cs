using Autoscaler.Core.PolicyFiles;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.PromQl;

/// <summary>
/// Our PromQL check (<see cref="Core.PolicyFiles.PromQl"/>) is not a parser; on the mistakes it looks for it must agree
/// with the real one, Prometheus' own, as <c>promtool check rules</c> runs it.
/// </summary>
public sealed class PromQlCheckAgreementTests
{
    [Theory]
    [InlineData("avg(avg_over_time(webapp_response_time_seconds[30s]))")]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"webapp\"}[5m])))")]
    [InlineData("sum without (instance) (rate(x_total[1m])) / on (job) group_left count(up == 1)")]
    [InlineData("max_over_time(rate(x_total[1m])[10m:30s] offset 5m) > bool 3")]
    [InlineData("label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")")]
    [InlineData("sum(rate(foo[5m]")]
    [InlineData("rat(foo[5m])")]
    [InlineData("sum(foo]")]
    [InlineData("foo{job=\"x}")]
    [InlineData("foo)")]
    [InlineData("avg_rt; drop")]
    [InlineData("histogram_quantil(0.9, x)")]
    public async Task Our_verdict_is_promtool_s(string query)
    {
        var promtool = RequiredBinary.Find("promtool", "apt-get install prometheus");
        using var dir = new TempDirectory();
        var rules = dir.File("rules.yml");
        await File.WriteAllTextAsync(rules, $"groups:\n  - name: check\n    rules:\n      - record: checked\n        expr: '{query.Replace("'", "''", StringComparison.Ordinal)}'\n", TestContext.Current.CancellationToken);

        var (exitCode, output) = await Tool.RunAsync(promtool, ["check", "rules", rules]);

        var ours = Core.PolicyFiles.PromQl.Check(query);
        Assert.True((exitCode == 0) == (ours.Count == 0), $"promtool exit {exitCode}: {output}\nours: {string.Join("; ", ours)}");
    }
}
