using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Testing;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed partial class PromQlTests
{
    /// <summary>Every PromQL query shipped in deploy/: policies, alert rules, the Grafana dashboard.</summary>
    public static TheoryData<string, string> ShippedQueries()
    {
        var data = new TheoryData<string, string>();
        var seen = new HashSet<(string, string)>();
        void Add(string file, string query)
        {
            if (seen.Add((file, query)))
            {
                data.Add(file, query);
            }
        }

        foreach (var file in Directory.GetFiles(RepositoryRoot.File("deploy"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(RepositoryRoot.Path, file);
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                foreach (var expr in JsonExprs(JsonDocument.Parse(File.ReadAllText(file)).RootElement))
                {
                    // Grafana replaces its variables before Prometheus sees the query.
                    Add(name, GrafanaVariable().Replace(expr, "1m"));
                }
            }
            else if (file.EndsWith(".yaml", StringComparison.Ordinal) || file.EndsWith(".yml", StringComparison.Ordinal))
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(File.ReadAllText(file)));
                foreach (var query in stream.Documents.SelectMany(d => YamlQueries(d.RootNode, file.Contains("/policies/", StringComparison.Ordinal))))
                {
                    Add(name, query);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedQueries))]
    public void Every_query_shipped_in_deploy_passes(string file, string query)
    {
        Assert.True(PromQl.Check(query).Count == 0, $"{file}: {query}: {string.Join("; ", PromQl.Check(query))}");
    }

    [Fact]
    public void The_shipped_queries_include_policies_alerts_and_the_dashboard()
    {
        var files = ShippedQueries().Select(row => row.Data.Item1).Distinct().ToList();
        Assert.Contains(files, f => f.Contains("policies", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("alert_rules", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"webapp\"}[5m])))")]
    [InlineData("sum without (instance) (rate(x_total[1m])) / on (job) group_left count(up == 1)")]
    [InlineData("max_over_time(rate(x_total[1m])[10m:30s] offset 5m) > bool 3")]
    [InlineData("topk(3, sum by (path) (rate(x[5m]))) and on() vector(1)")]
    [InlineData("label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\") # the host part")]
    [InlineData("rate(x[5m] @ end()) * 1e-3 + 0x10")]
    [InlineData("{__name__=~\"webapp_.*\", job!=\"test\"}")]
    [InlineData("sum(rate(x[5m])) by (le)")]
    public void Valid_queries_pass(string query) => Assert.Empty(PromQl.Check(query));

    [Theory]
    [InlineData("sum(rate(foo[5m]", "4: '(' is never closed (a ')' is missing)", "9: '(' is never closed (a ')' is missing)")]
    [InlineData("rat(foo[5m])", "1: unknown function 'rat' (did you mean rate?)")]
    [InlineData("sum(foo]", "8: ']' closes '(' opened at position 4; expected ')'")]
    [InlineData("foo{job=\"x}", "9: the string starting with \" is never closed")]
    [InlineData("foo)", "4: ')' closes nothing")]
    [InlineData("  ", "1: the query is empty")]
    [InlineData("avg_rt; drop", "7: unexpected character ';'")]
    [InlineData("histogram_quantil(0.9, x)", "1: unknown function 'histogram_quantil' (did you mean histogram_quantile?)")]
    public void Broken_queries_are_found_with_their_position(string query, params string[] expected) =>
        Assert.Equal(expected, PromQl.Check(query).Select(p => $"{p.Offset + 1}: {p.Message}"));

    [Fact]
    public void In_a_policy_file_the_problem_names_the_line_and_column()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse("metrics:\n  - name: a\n    query: 'sum(rate(foo[5m]'\n    target: {value: 1}", "p.yaml"));
        Assert.Equal(["p.yaml:3:16: metrics[0].query: '(' is never closed (a ')' is missing)", "p.yaml:3:21: metrics[0].query: '(' is never closed (a ')' is missing)"], error.Problems);
    }

    [Fact]
    public void In_a_block_scalar_the_problem_names_the_position_in_the_query()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFile.Parse("metrics:\n  - name: a\n    query: |\n      sum(\n        rat(x[1m]))\n    target: {value: 1}", "p.yaml"));
        Assert.Equal("p.yaml:3: metrics[0].query: unknown function 'rat' (did you mean rate?) (at position 8 of the query)", Assert.Single(error.Problems));
    }

    private static IEnumerable<string> JsonExprs(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }
                else
                {
                    foreach (var e in JsonExprs(property.Value))
                    {
                        yield return e;
                    }
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in element.EnumerateArray().SelectMany(JsonExprs))
            {
                yield return e;
            }
        }
    }

    // Alert rules' expr, and in policies every query (query:, and the slo rule's learn: utilization, throughput, latency).
    private static IEnumerable<string> YamlQueries(YamlNode node, bool policy)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value;
                    if (value is YamlScalarNode { Value: { } text } && (name == "expr" || (policy && name == "query")))
                    {
                        yield return text;
                    }
                    else if (policy && name == "learn" && value is YamlMappingNode learn)
                    {
                        foreach (var q in learn.Children.Values.OfType<YamlScalarNode>())
                        {
                            yield return q.Value!;
                        }
                    }
                    else
                    {
                        foreach (var q in YamlQueries(value, policy))
                        {
                            yield return q;
                        }
                    }
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var q in sequence.Children.SelectMany(c => YamlQueries(c, policy)))
                {
                    yield return q;
                }

                break;
        }
    }

    [GeneratedRegex(@"\$\{?__(rate_interval|interval|range)\}?")]
    private static partial Regex GrafanaVariable();
}
