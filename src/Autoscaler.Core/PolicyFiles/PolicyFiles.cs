using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>How to read policy files.</summary>
public sealed record PolicyReadOptions
{
    /// <summary>For a HorizontalPodAutoscaler: metric name to PromQL, where the query annotation is missing.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; init; } = new Dictionary<string, string>();

    /// <summary>What <c>-</c> reads; null: the process's standard input.</summary>
    public TextReader? StandardInput { get; init; }
}

/// <summary>One policy read from a file: a document of a multi-document file, or an item of a <c>kind: List</c>.</summary>
/// <param name="Source">The file, or <c>stdin</c>.</param>
/// <param name="Index">1-based position among the file's policies.</param>
/// <param name="Line">The line the policy starts on.</param>
/// <param name="Kind"><c>policy</c> (ours), <c>HorizontalPodAutoscaler</c> or <c>ScaledObject</c>; what the document says otherwise.</param>
/// <param name="Name">The Kubernetes object's name, when it has one.</param>
/// <param name="Spec">The policy; null when there are problems.</param>
/// <param name="Problems">Every problem, sorted by line.</param>
/// <param name="Warnings">What was read but is not carried over, sorted by line.</param>
public sealed record PolicyDocument(string Source, int Index, int Line, string Kind, string? Name, PolicySpec? Spec, IReadOnlyList<PolicyProblem> Problems, IReadOnlyList<PolicyProblem> Warnings)
{
    /// <summary>True when the document is a usable policy.</summary>
    public bool Ok => Problems.Count == 0 && Spec is not null;

    /// <summary>How messages name the document: <c>document 2 (ScaledObject shop, line 14)</c>.</summary>
    public string Describe() => $"document {Index} ({Kind}{(Name is null ? "" : " " + Name)}, line {Line})";
}

/// <summary>
/// The one front door to policy files: our format, a Kubernetes HorizontalPodAutoscaler or a KEDA ScaledObject,
/// told apart by <c>kind</c>, one reader per format (<see cref="PolicyFile"/>, <see cref="HpaFormat"/>,
/// <see cref="KedaFormat"/>) that only maps fields; the rules are then checked once on the spec
/// (<see cref="PolicyRules"/>) and every problem is reported together, sorted by line. A file may hold several
/// documents (<c>---</c>) or be a <c>kind: List</c> as <c>kubectl get … -o yaml</c> prints; <c>-</c> is standard input.
/// </summary>
public static class PolicyFiles
{
    /// <summary>The path that means standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>How messages name <paramref name="path"/>.</summary>
    public static string SourceName(string path) => path == StandardInput ? "stdin" : path;

    /// <summary>Reads the one policy in a file.</summary>
    /// <exception cref="PolicyFileException">The file cannot be read, has problems, or holds no policy or several.</exception>
    public static PolicyDocument Load(string path, PolicyReadOptions? options = null) => One(ReadAll(path, options), SourceName(path));

    /// <summary>Reads the one policy in <paramref name="text"/>; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="PolicyFileException">The text has problems, or holds no policy or several.</exception>
    public static PolicySpec Parse(string text, string source = "policy", PolicyReadOptions? options = null) => One(ParseAll(text, source, options), source).Spec!;

    /// <summary>Reads every policy in a file, each with its own problems and warnings.</summary>
    /// <exception cref="PolicyFileException">The file cannot be read.</exception>
    public static IReadOnlyList<PolicyDocument> ReadAll(string path, PolicyReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = YamlText.Read(path, options?.StandardInput, "policy file");
        }
        catch (InvalidDataException e)
        {
            throw new PolicyFileException(SourceName(path), e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new PolicyFileException(SourceName(path), $"cannot read the policy file: {reason}");
        }

        return ParseAll(text, SourceName(path), options);
    }

    /// <summary>Reads every policy in <paramref name="text"/>.</summary>
    public static IReadOnlyList<PolicyDocument> ParseAll(string text, string source, PolicyReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= new PolicyReadOptions();
        var stream = new YamlStream();
        try
        {
            if (YamlText.TooDeepAt(text) is { } deep)
            {
                return [new PolicyDocument(source, 1, deep, "", null, null, [new PolicyProblem(source, deep, "", YamlText.TooDeep)], [])];
            }

            YamlText.Load(stream, text);
        }
        catch (YamlException e)
        {
            return [new PolicyDocument(source, 1, (int)e.Start.Line, "", null, null, [new PolicyProblem(source, (int)e.Start.Line, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}")], [])];
        }

        var documents = new List<PolicyDocument>();
        foreach (var document in stream.Documents)
        {
            switch (document.RootNode)
            {
                case YamlScalarNode { Value: null or "" }:
                    continue; // an empty document, as a trailing --- leaves
                case YamlMappingNode { Children: var children } list when children.TryGetValue(new YamlScalarNode("kind"), out var kind) && kind is YamlScalarNode { Value: "List" }:
                    documents.AddRange(ReadList(list, source, options, documents.Count));
                    break;
                case YamlMappingNode mapping:
                    documents.Add(ReadDocument(mapping, source, options, documents.Count + 1));
                    break;
                default:
                    var line = (int)document.RootNode.Start.Line;
                    documents.Add(new PolicyDocument(source, documents.Count + 1, line, "", null, null,
                        [new PolicyProblem(source, line, "", $"document {documents.Count + 1} must be a YAML mapping (a policy with fields such as minReplicas, maxReplicas, metrics; or a HorizontalPodAutoscaler or ScaledObject)")], []));
                    break;
            }
        }

        return documents;
    }

    // kubectl get hpa,scaledobject -o yaml: a v1 List whose items are the objects.
    private static IEnumerable<PolicyDocument> ReadList(YamlMappingNode list, string source, PolicyReadOptions options, int before)
    {
        var context = new ReadContext(source);
        var fields = YamlFields.Over(context, list);
        fields.Ignore("apiVersion", "kind", "metadata");
        var items = fields.Find("items") as YamlSequenceNode;
        fields.RejectUnknown();
        if (items is null)
        {
            context.Add(new PolicyProblem(source, (int)list.Start.Line, "items", "a List needs items (the objects)"));
        }

        if (context.Problems.Count > 0)
        {
            yield return new PolicyDocument(source, before + 1, (int)list.Start.Line, "List", null, null, context.Problems, []);
            yield break;
        }

        foreach (var item in items!.Children)
        {
            if (item is YamlMappingNode mapping)
            {
                yield return ReadDocument(mapping, source, options, ++before, "items");
            }
        }
    }

    private static PolicyDocument ReadDocument(YamlMappingNode mapping, string source, PolicyReadOptions options, int index, string path = "")
    {
        var context = new ReadContext(source);
        var root = YamlFields.Over(context, mapping);
        var kind = root.String("kind");
        var spec = kind switch
        {
            null => PolicyFile.Read(root),
            "HorizontalPodAutoscaler" => HpaFormat.Read(root, options.Queries),
            "ScaledObject" => KedaFormat.Read(root),
            _ => null,
        };
        if (spec is null)
        {
            root.Problem(root.Find("kind")!, "kind", $"'{kind}' is not HorizontalPodAutoscaler or ScaledObject (nor our policy, which has no kind){(path.Length > 0 || index > 1 ? $": document {index} is not a policy" : "")}");
        }
        else
        {
            PolicyRules.Report(spec, context);
        }

        var problems = context.Problems.Distinct().OrderBy(p => p.Line).ThenBy(p => p.Column ?? 0).ToList();
        var warnings = context.Warnings.Distinct().OrderBy(p => p.Line).ToList();
        var line = (int)mapping.Start.Line;
        return new PolicyDocument(source, index, line, kind ?? "policy", spec?.Kubernetes?.Name, problems.Count == 0 ? spec : null, problems, warnings);
    }

    private static PolicyDocument One(IReadOnlyList<PolicyDocument> documents, string source)
    {
        var problems = documents.SelectMany(d => d.Problems).ToList();
        if (problems.Count > 0)
        {
            throw new PolicyFileException(problems);
        }

        return documents.Count switch
        {
            0 => throw new PolicyFileException(source, "holds no policy (the file is empty)"),
            1 => documents[0],
            _ => throw new PolicyFileException(source,
                $"holds {documents.Count} policies ({string.Join("; ", documents.Select(d => d.Describe()))}); one is needed here: put each in a file of its own (`autoscaler validate` checks them all)"),
        };
    }

    /// <summary>Reads a side mapping of metric names to PromQL (a YAML mapping), for HorizontalPodAutoscalers without query annotations.</summary>
    /// <exception cref="PolicyFileException">The file cannot be read or is not such a mapping.</exception>
    public static IReadOnlyDictionary<string, string> LoadQueries(string path)
    {
        string text;
        try
        {
            text = YamlText.Read(path, null, "query mapping");
        }
        catch (InvalidDataException e)
        {
            throw new PolicyFileException(path, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException(path, $"cannot read the query mapping: {e.Message}");
        }

        var problems = new List<string>();
        var root = YamlFields.Root(path, text, problems, "a metric name: a PromQL query");
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ((YamlMappingNode)root.Node).Children)
        {
            if (key is YamlScalarNode { Value: { } name } && value is YamlScalarNode { Value: { } query })
            {
                queries[name] = query;
            }
            else
            {
                root.Problem(key, key.ToString(), "must map a metric name to a PromQL query");
            }
        }

        return root.Context.Problems.Count == 0 ? queries : throw new PolicyFileException(root.Context.Problems);
    }
}
