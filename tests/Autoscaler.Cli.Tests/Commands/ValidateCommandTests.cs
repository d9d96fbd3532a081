using System.Text.Json;
using Autoscaler.Cli.Commands;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Testing;

namespace Autoscaler.Cli.Tests.Commands;

public sealed class ValidateCommandTests : IDisposable
{
    private const string Good = """
        minReplicas: 2
        maxReplicas: 5
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[1m]))
            target: {value: 30, type: AverageValue}
        """;

    private const string Bad = """
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
                serverAddress: http://prometheus:9090
                query: sum(rate(http_requests_total[5m]
                threshold: "-5"
        """;

    private readonly TempDirectory _dir = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        File.WriteAllText(_dir.File(name), text);
        return _dir.File(name);
    }

    [Fact]
    public void Several_good_files_print_each_effective_policy_and_exit_0()
    {
        var a = Write("a.yaml", Good);
        var b = Write("b.yaml", Good.Replace("minReplicas: 2", "minReplicas: 3", StringComparison.Ordinal));

        var code = ValidateCommand.Validate([a, b], "text", null, TextReader.Null, _out, _err);

        Assert.Equal(0, code);
        Assert.Equal("", _err.ToString());
        Assert.Contains($"--- # {a}, document 1 (policy, line 1)", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains($"--- # {b}, document 1 (policy, line 1)", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("minReplicas: 3", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void One_good_file_prints_just_its_policy_as_before()
    {
        Assert.Equal(0, ValidateCommand.Validate([Write("a.yaml", Good)], "text", null, TextReader.Null, _out, _err));
        Assert.StartsWith("minReplicas: 2\nmaxReplicas: 5\n", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_file_is_printed_by_line_and_the_exit_code_is_2()
    {
        var good = Write("good.yaml", Good);
        var bad = Write("bad.yaml", Bad);

        var code = ValidateCommand.Validate([good, bad], "text", null, TextReader.Null, _out, _err);

        Assert.Equal(2, code);
        Assert.Equal(
            [
                $"{bad}:6: spec.minReplicaCount: 9 must not exceed maxReplicaCount 3",
                $"{bad}:12:19: spec.triggers[0].metadata.query: '(' is never closed (a ')' is missing)",
                $"{bad}:12:24: spec.triggers[0].metadata.query: '(' is never closed (a ')' is missing)",
                $"{bad}:13: spec.triggers[0].metadata.threshold: -5 must be above 0",
            ],
            _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"# {good}", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_gives_a_script_every_problem_and_each_effective_policy()
    {
        var good = Write("good.yaml", Good);
        var bad = Write("bad.yaml", Bad);

        var code = ValidateCommand.Validate([good, bad, _dir.File("missing.yaml")], "json", null, TextReader.Null, _out, _err);

        Assert.Equal(2, code);
        Assert.Equal("", _err.ToString());
        using var json = JsonDocument.Parse(_out.ToString());
        var root = json.RootElement;
        Assert.False(root.GetProperty("ok").GetBoolean());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([true, false, false], files.Select(f => f.GetProperty("ok").GetBoolean()));

        var policy = files[0].GetProperty("documents")[0].GetProperty("policy");
        Assert.Equal(2, policy.GetProperty("minReplicas").GetInt32());
        Assert.Equal(30, policy.GetProperty("metrics")[0].GetProperty("target").GetProperty("value").GetDouble());

        var document = files[1].GetProperty("documents")[0];
        Assert.Equal(("ScaledObject", "shop", JsonValueKind.Null), (document.GetProperty("kind").GetString(), document.GetProperty("name").GetString(), document.GetProperty("policy").ValueKind));
        var problems = document.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("line").GetInt32(), p.GetProperty("field").GetString(), p.GetProperty("message").GetString())).ToList();
        Assert.Equal((6, "spec.minReplicaCount", "9 must not exceed maxReplicaCount 3"), problems[0]);
        Assert.Equal((13, "spec.triggers[0].metadata.threshold", "-5 must be above 0"), problems[3]);
        Assert.Equal(19, document.GetProperty("problems")[1].GetProperty("column").GetInt32());

        Assert.StartsWith($"{_dir.File("missing.yaml")}: cannot read the policy file", files[2].GetProperty("problems")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_dash_reads_standard_input_once()
    {
        Assert.Equal(0, ValidateCommand.Validate(["-"], "text", null, new StringReader(Good), _out, _err));
        Assert.StartsWith("minReplicas: 2", _out.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, ValidateCommand.Validate(["-", "-"], "text", null, new StringReader(Good), _out, _err));
        Assert.Contains("stdin: - is given twice; standard input can be read once", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Export_reads_standard_input_and_writes_a_scaled_object_that_reads_back()
    {
        var code = ValidateCommand.Export("keda", "-", null, new ExportOptions(), new StringReader(Good), _out, _err);

        Assert.Equal(0, code);
        Assert.Contains("threshold: \"30\"", _out.ToString(), StringComparison.Ordinal);
        var again = PolicyFiles.Parse(_out.ToString(), "exported.yaml");
        Assert.Equal((2, 5, 30.0), (again.MinReplicas, again.MaxReplicas, again.Metrics[0].Target!.Target));
    }

    [Fact]
    public void Export_prints_reading_warnings_and_what_the_format_loses()
    {
        var keda = Write("keda.yaml", """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata: {name: shop}
            spec:
              scaleTargetRef: {name: shop}
              advanced:
                scalingModifiers: {formula: "a + b", target: "5"}
              fallback: {failureThreshold: 3, replicas: 4}
              triggers:
                - type: prometheus
                  name: a
                  metadata:
                    serverAddress: http://prometheus:9090
                    query: sum(rate(a_total[1m]))
                    threshold: "5"
            """);

        Assert.Equal(0, ValidateCommand.Export("hpa", keda, null, new ExportOptions(), TextReader.Null, _out, _err));

        var warnings = _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"warning: {keda}:7: spec.advanced.scalingModifiers: not carried over: each trigger is read as its own metric and the largest proposal wins; the formula is not applied yet", warnings);
        Assert.Contains(warnings, w => w.StartsWith("warning: not exported: metric 'a' fallback", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("warning: not exported: metric 'a' prometheus", StringComparison.Ordinal));
        Assert.Contains("kind: HorizontalPodAutoscaler", _out.ToString(), StringComparison.Ordinal);
    }
}
