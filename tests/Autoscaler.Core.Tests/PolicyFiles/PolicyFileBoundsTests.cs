using System.Diagnostics;
using System.Text;
using Autoscaler.Core.Formulas;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Testing;
using Files = Autoscaler.Core.PolicyFiles.PolicyFiles;

namespace Autoscaler.Core.Tests.PolicyFiles;

/// <summary>Issue 15, finding 2: no policy file, however large or deep, takes the machine; each bound is one problem naming it.</summary>
public sealed class PolicyFileBoundsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Metric(int i) => $"  - name: m{i}\n    query: sum(rate(webapp_request_count_total[1m]))\n    target: {{value: 30}}\n";

    [Fact]
    public void A_file_over_1_MiB_is_refused_with_its_size_before_it_is_parsed()
    {
        // 50 MB of metrics took 45 s and 4 GB to validate before the bound; refused now without reading past 1 MiB.
        var path = _dir.File("big.yaml");
        using (var file = new StreamWriter(path))
        {
            file.Write("metrics:\n");
            for (var i = 0; file.BaseStream.Length < 3 * YamlText.MaxBytes; i++)
            {
                file.Write(Metric(i));
            }
        }

        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<PolicyFileException>(() => Files.ReadAll(path));

        Assert.Equal($"{path}: is {new FileInfo(path).Length:N0} bytes, more than the 1,048,576 bytes (1 MiB) a policy file may have; a policy file takes a few kilobytes: is this the right file?",
            Assert.Single(error.Problems));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Standard_input_that_does_not_end_is_refused_after_1_MiB()
    {
        // An endless stream (as `yes | autoscaler validate -`): only the bound plus one character is ever read.
        var endless = new EndlessReader();
        var error = Assert.Throws<PolicyFileException>(() => Files.ReadAll("-", new PolicyReadOptions { StandardInput = endless }));

        Assert.StartsWith("stdin: is more than the 1,048,576 bytes (1 MiB) a policy file may have", Assert.Single(error.Problems), StringComparison.Ordinal);
        Assert.Equal(YamlText.MaxBytes + 1, endless.CharactersRead);
    }

    [Fact]
    public void A_file_of_exactly_1_MiB_is_read()
    {
        var text = new StringBuilder("minReplicas: 1\nmetrics:\n").Append(Metric(0)).Append('#');
        text.Append('x', YamlText.MaxBytes - text.Length - 1).Append('\n');
        var path = _dir.File("exact.yaml");
        File.WriteAllText(path, text.ToString());

        Assert.Equal(YamlText.MaxBytes, new FileInfo(path).Length);
        Assert.True(Assert.Single(Files.ReadAll(path)).Ok);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_one_problem_not_a_stack_overflow()
    {
        // 400,000 brackets overflowed the stack (exit 134) while YamlDotNet built the tree.
        var text = "minReplicas: 1\nmetrics: " + new string('[', 400_000) + new string(']', 400_000) + "\n";

        var document = Assert.Single(Files.ParseAll(text, "deep.yaml"));

        Assert.Equal("deep.yaml:2: nests mappings and lists more than 64 levels deep, the most the tool reads; a policy or scenario needs fewer than 10",
            Assert.Single(document.Problems).ToString());
    }

    [Fact]
    public void Sixty_four_levels_are_read()
    {
        var text = "minReplicas: 1\nmetrics:\n" + Metric(0) + "kubernetes: {name: " + new string('[', 62) + new string(']', 62) + "}\n";
        var problem = Assert.Single(Assert.Single(Files.ParseAll(text, "p.yaml")).Problems);
        Assert.Equal("kubernetes.name", problem.Field); // read, and refused as what it is: a list where a name goes
    }

    [Theory]
    [InlineData("ours")]
    [InlineData("hpa")]
    [InlineData("keda")]
    public void More_than_64_metrics_are_one_problem_naming_the_bound_in_every_format(string format)
    {
        var many = Enumerable.Range(0, 65);
        var (text, field) = format switch
        {
            "ours" => ("minReplicas: 1\nmetrics:\n" + string.Concat(many.Select(Metric)), "metrics"),
            "hpa" => ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec:\n  scaleTargetRef: {name: w}\n  maxReplicas: 5\n  metrics:\n"
                + string.Concat(many.Select(i => $"    - type: External\n      external: {{metric: {{name: m{i}}}, target: {{type: AverageValue, averageValue: '30'}}}}\n")), "spec.metrics"),
            _ => ("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w}\nspec:\n  scaleTargetRef: {name: w}\n  triggers:\n"
                + string.Concat(many.Select(i => $"    - type: prometheus\n      metadata: {{serverAddress: 'http://p:9090', query: up, threshold: '1'}}\n")), "spec.triggers"),
        };

        var document = Assert.Single(Files.ParseAll(text, "many.yaml"));

        var problem = Assert.Single(document.Problems);
        Assert.Equal(field, problem.Field);
        Assert.Contains("has 65 items, more than the 64 ", problem.Message, StringComparison.Ordinal);
        Assert.EndsWith(" a policy may have", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sixty_four_metrics_are_accepted()
    {
        var text = "minReplicas: 1\nmetrics:\n" + string.Concat(Enumerable.Range(0, PolicySpec.MaxMetrics).Select(Metric));
        Assert.Equal(64, Files.Parse(text).Metrics.Count);
    }

    [Fact]
    public void More_than_64_schedule_windows_are_refused()
    {
        var windows = string.Concat(Enumerable.Range(0, 65).Select(i => $"  - {{name: w{i}, start: '0 8 * * *', duration: 1h, minReplicas: 2}}\n"));
        var document = Assert.Single(Files.ParseAll("metrics:\n" + Metric(0) + "schedules:\n" + windows, "s.yaml"));

        Assert.Equal("s.yaml:6: schedules: has 65 items, more than the 64 windows a policy may have", Assert.Single(document.Problems).ToString());
    }

    [Theory]
    [InlineData(40, "nests brackets and prefix operators more than 32 deep, the most a formula may")]
    [InlineData(50_000, "is 100001 characters long, more than the 1000 a formula may have")]
    public void A_deep_or_long_formula_is_a_problem_not_a_stack_overflow(int depth, string message)
    {
        // 50,000 parentheses overflowed the stack of the formula's parser.
        var expression = new string('(', depth) + "a" + new string(')', depth);
        var error = Assert.Throws<FormulaException>(() => MetricFormula.Compile("f", expression, [("a", false)]));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_formula_nested_32_deep_compiles()
    {
        var expression = "-" + new string('(', 31) + "a" + new string(')', 31) + " - -a";
        var formula = MetricFormula.Compile("f", expression, [("a", false)]);
        Assert.Equal(["a"], formula.Used);
    }

    [Theory]
    [InlineData("99999999999999999999w")]
    [InlineData("1e300")]
    [InlineData("15250285d")]
    public void A_duration_past_what_a_TimeSpan_holds_is_not_a_duration_nor_an_overflow(string text)
    {
        Assert.False(Core.Time.Durations.TryParse(text, out _));
        var document = Assert.Single(Files.ParseAll($"checkInterval: {text}\nmetrics:\n{Metric(0)}", "d.yaml"));
        Assert.Equal($"d.yaml:1: checkInterval: '{text}' is not a duration (e.g. 30s, 5m)", Assert.Single(document.Problems).ToString());
    }

    private sealed class EndlessReader : TextReader
    {
        public long CharactersRead { get; private set; }

        public override int Read(char[] buffer, int index, int count)
        {
            Array.Fill(buffer, '#', index, count);
            CharactersRead += count;
            return count;
        }
    }

    // Found by ReaderFuzzTests: inputs on which the readers threw something other than their own problems, or wrote a
    // problem over several lines.
    [Fact]
    public void A_global_tag_that_is_not_a_uri_is_a_yaml_problem_not_an_exception()
    {
        foreach (var tag in new[] { "!<:>", "!<>" })
        {
            var document = Assert.Single(Files.ParseAll($"minReplicas: {tag} 1\n", "tag.yaml"));

            Assert.False(document.Ok);
            Assert.Equal("tag.yaml:1: not valid YAML: a tag that is empty or not a URI follows here", Assert.Single(document.Problems).ToString());
        }
    }

    [Fact]
    public void A_formula_whose_expression_is_a_comment_is_refused_as_empty()
    {
        const string text = "metrics:\n  - {name: rps, query: 'sum(rate(webapp_request_count_total[1m]))'}\nformula:\n  expression: #rps / 30\n  target: {value: 1}\n";
        var document = Assert.Single(Files.ParseAll(text, "formula.yaml"));

        Assert.False(document.Ok);
        Assert.Equal("formula.yaml:4: formula.expression: is empty; it needs a value", Assert.Single(document.Problems).ToString());
    }

    [Fact]
    public void A_problem_quoting_a_value_over_several_lines_stays_one_line()
    {
        var document = Assert.Single(Files.ParseAll("maxReplicas: |\n  6\n  - name: x\n", "lines.yaml"));

        Assert.Contains(@"lines.yaml:1: maxReplicas: '6\n- name: x\n' is not a whole number", document.Problems.Select(p => p.ToString()));
        Assert.All(document.Problems, p => Assert.DoesNotContain('\n', p.ToString()));
    }
}
