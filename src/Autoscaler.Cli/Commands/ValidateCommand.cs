using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Autoscaler.Core.PolicyFiles;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler validate POLICY…</c> and <c>autoscaler export hpa|keda POLICY</c>.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("policy")
        {
            Description = "Policy files (our YAML, a HorizontalPodAutoscaler autoscaling/v2 or a KEDA ScaledObject; several documents or a kind: List each give a policy); - reads standard input",
            Arity = ArgumentArity.OneOrMore,
        };
        var queries = QueriesOption();
        var output = new Option<string>("--output", "-o") { Description = "text: the effective policies on stdout, problems on stderr; json: one JSON document for scripts", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var command = new Command("validate", """
            Check policy files and print each effective policy in our format, every default filled in (for
            example the behavior: none for a policy made only of threshold rules, Kubernetes HPA's defaults
            otherwise). Every problem is printed as file:line: field: problem, sorted by line, queries checked
            as PromQL (brackets, quotes, function names); what is read but not carried over is a warning.
            Exit code 2 when any file has a problem.
            """)
        {
            files, queries, output,
        };
        command.SetAction(parse =>
        {
            // Files are at most 1 MiB and read in a moment, but standard input may wait for ever: a signal ends the
            // process as it would with no handler (exit 143 for SIGTERM, 130 for Ctrl+C), with a word on what happened.
            static void Say(PosixSignalContext context) => Console.Error.WriteLine($"autoscaler validate: interrupted by {context.Signal}; nothing checked");
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Say);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Say);
            return Validate(parse.GetValue(files)!, parse.GetValue(output)!, parse.GetValue(queries), Console.In, Console.Out, Console.Error);
        });
        return command;
    }

    public static Command CreateExport()
    {
        var format = new Argument<string>("format") { Description = "hpa (a HorizontalPodAutoscaler, queries as annotations) or keda (a ScaledObject with prometheus triggers)" };
        format.AcceptOnlyFromAmong("hpa", "keda");
        var file = new Argument<string>("policy") { Description = "The policy to export (any format validate reads); - reads standard input" };
        var queries = QueriesOption();
        var name = new Option<string?>("--name") { Description = $"Name of the object and of the Deployment it scales [default: the policy's own, else {KubernetesFormats.DefaultName}]" };
        var prometheus = new Option<string?>("--prometheus-url") { Description = $"KEDA: the serverAddress of every trigger [default: each metric's own, else {KedaFormat.DefaultServerAddress}]" };
        var command = new Command("export", """
            Write a policy as a Kubernetes HorizontalPodAutoscaler or a KEDA ScaledObject on stdout.
            Only target rules have an equivalent there; a threshold or fixed rule is refused with exit code 2.
            What the format cannot express (cooldowns; for a HPA also fallbacks, ignoreNullValues, activation)
            is named on stderr as a warning; the YAML is still written.
            """)
        {
            format, file, queries, name, prometheus,
        };
        command.SetAction(parse => Export(parse.GetValue(format)!, parse.GetValue(file)!, parse.GetValue(queries), new ExportOptions(parse.GetValue(name), parse.GetValue(prometheus)), Console.In, Console.Out, Console.Error));
        return command;
    }

    private static Option<string?> QueriesOption() => new("--queries")
    {
        Description = "For a HorizontalPodAutoscaler: a YAML mapping of metric name to PromQL, where the autoscaler.dev/query.NAME annotation is missing",
    };

    /// <summary>Validates every file; returns the exit code (2 when any file has a problem).</summary>
    internal static int Validate(IReadOnlyList<string> files, string output, string? queries, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var results = new List<(string File, IReadOnlyList<PolicyDocument> Documents, IReadOnlyList<PolicyProblem> Problems)>();
        PolicyReadOptions options;
        try
        {
            options = new PolicyReadOptions { Queries = queries is null ? new Dictionary<string, string>() : PolicyFiles.LoadQueries(queries), StandardInput = stdin };
        }
        catch (PolicyFileException e)
        {
            return Fail(e, stderr);
        }

        var stdinSeen = false;
        foreach (var file in files)
        {
            if (file == PolicyFiles.StandardInput && !stdinSeen)
            {
                stdinSeen = true;
            }
            else if (file == PolicyFiles.StandardInput)
            {
                results.Add((PolicyFiles.SourceName(file), [], [new PolicyProblem("stdin", 0, "", "- is given twice; standard input can be read once")]));
                continue;
            }

            try
            {
                var documents = PolicyFiles.ReadAll(file, options);
                results.Add((PolicyFiles.SourceName(file), documents, documents.Count == 0 ? [new PolicyProblem(PolicyFiles.SourceName(file), 0, "", "holds no policy (the file is empty)")] : []));
            }
            catch (PolicyFileException e)
            {
                results.Add((PolicyFiles.SourceName(file), [], e.Details));
            }
        }

        var ok = results.All(r => r.Problems.Count == 0 && r.Documents.All(d => d.Ok));
        if (output == "json")
        {
            stdout.WriteLine(Json(results, ok).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ok ? ExitCodes.Ok : ExitCodes.Usage;
        }

        var several = results.Sum(r => Math.Max(1, r.Documents.Count)) > 1;
        foreach (var (file, documents, problems) in results)
        {
            foreach (var problem in problems.Concat(documents.SelectMany(d => d.Problems)))
            {
                stderr.WriteLine(problem);
            }

            foreach (var warning in documents.SelectMany(d => d.Warnings))
            {
                stderr.WriteLine($"warning: {warning}");
            }

            foreach (var document in documents.Where(d => d.Ok))
            {
                if (several)
                {
                    stdout.WriteLine($"--- # {file}, {document.Describe()}");
                }

                stdout.Write(PolicyFile.Write(document.Spec!));
            }
        }

        return ok ? ExitCodes.Ok : ExitCodes.Usage;
    }

    /// <summary>Exports one policy; returns the exit code.</summary>
    internal static int Export(string format, string file, string? queries, ExportOptions export, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var options = new PolicyReadOptions { Queries = queries is null ? new Dictionary<string, string>() : PolicyFiles.LoadQueries(queries), StandardInput = stdin };
            var document = PolicyFiles.Load(file, options);
            foreach (var warning in document.Warnings)
            {
                stderr.WriteLine($"warning: {warning}");
            }

            var spec = document.Spec!;
            var yaml = KubernetesFormats.Write(spec, format, export);
            foreach (var lost in KubernetesFormats.Unexpressed(spec, format))
            {
                stderr.WriteLine($"warning: not exported: {lost}");
            }

            stdout.Write(yaml);
            return ExitCodes.Ok;
        }
        catch (PolicyFileException e)
        {
            return Fail(e, stderr);
        }
    }

    private static int Fail(PolicyFileException e, TextWriter stderr)
    {
        foreach (var problem in e.Problems)
        {
            stderr.WriteLine(problem);
        }

        return ExitCodes.Usage;
    }

    private static JsonObject Json(IEnumerable<(string File, IReadOnlyList<PolicyDocument> Documents, IReadOnlyList<PolicyProblem> Problems)> results, bool ok)
    {
        var files = new JsonArray();
        foreach (var (file, documents, problems) in results)
        {
            var docs = new JsonArray();
            foreach (var d in documents)
            {
                docs.Add(new JsonObject
                {
                    ["document"] = d.Index,
                    ["line"] = d.Line,
                    ["kind"] = d.Kind,
                    ["name"] = d.Name,
                    ["ok"] = d.Ok,
                    ["problems"] = Problems(d.Problems),
                    ["warnings"] = Problems(d.Warnings),
                    ["policy"] = d.Spec is { } spec ? ToJson(PolicyFile.Write(spec)) : null,
                });
            }

            files.Add(new JsonObject
            {
                ["file"] = file,
                ["ok"] = problems.Count == 0 && documents.All(d => d.Ok),
                ["problems"] = Problems(problems),
                ["documents"] = docs,
            });
        }

        return new JsonObject { ["ok"] = ok, ["files"] = files };
    }

    private static JsonArray Problems(IEnumerable<PolicyProblem> problems) =>
        [.. problems.Select(p => (JsonNode)new JsonObject
        {
            ["line"] = p.Line,
            ["column"] = p.Column,
            ["field"] = p.Field,
            ["message"] = p.Message,
            ["text"] = p.ToString(),
        })];

    /// <summary>Our YAML as JSON: plain scalars that are numbers or booleans become JSON numbers and booleans.</summary>
    private static JsonNode? ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Node(stream.Documents[0].RootNode);

        static JsonNode? Node(YamlNode node) => node switch
        {
            YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Node(c.Value)))),
            YamlSequenceNode s => new JsonArray([.. s.Children.Select(Node)]),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => JsonValue.Create(b.Value == "true"),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: { } v } when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) =>
                long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l) : JsonValue.Create(d),
            YamlScalarNode s => JsonValue.Create(s.Value),
            _ => null,
        };
    }
}
