using System.Globalization;
using Autoscaler.Core.Time;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>A problem in a policy file, with the line and the field it concerns.</summary>
public sealed class PolicyFileException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    /// <summary>One line per problem: <c>file:line: field: what is wrong</c>.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Reads fields of a YAML mapping by name, collecting every problem with its line and field path
/// instead of stopping at the first, and rejecting fields nobody asked for.
/// </summary>
internal sealed class YamlFields
{
    private readonly string _source;
    private readonly YamlMappingNode _node;
    private readonly string _path;
    private readonly List<string> _problems;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public YamlFields(string source, YamlMappingNode node, string path, List<string> problems)
    {
        _source = source;
        _node = node;
        _path = path;
        _problems = problems;
    }

    public YamlNode Node => _node;

    public void Problem(YamlNode at, string field, string message) =>
        _problems.Add(string.Create(CultureInfo.InvariantCulture, $"{_source}:{at.Start.Line}: {Field(field)}: {message}"));

    public string Field(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    public bool Has(string key) => Find(key) is not null;

    public YamlNode? Find(string key)
    {
        _read.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    public string? String(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
            }

            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            return text;
        }

        Problem(node, key, "must be a single value");
        return null;
    }

    public double? Number(string key, double min = double.MinValue, double max = double.MaxValue, bool required = false)
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Problem(Find(key)!, key, $"'{text}' is not a number");
            return null;
        }

        if (value < min || value > max)
        {
            Problem(Find(key)!, key, $"{text} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    public int? Integer(string key, int min = int.MinValue, int max = int.MaxValue, bool required = false)
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Problem(Find(key)!, key, $"'{text}' is not a whole number");
            return null;
        }

        if (value < min || value > max)
        {
            Problem(Find(key)!, key, $"{value} must be between {min} and {max}");
            return null;
        }

        return value;
    }

    public bool? Boolean(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not true or false");
        return null;
    }

    public TimeSpan? Duration(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (Durations.TryParse(text, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not a duration (e.g. 30s, 5m)");
        return null;
    }

    public TEnum? Enum<TEnum>(string key)
        where TEnum : struct, System.Enum
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}");
        return null;
    }

    public YamlFields? Mapping(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
            }

            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return new YamlFields(_source, mapping, Field(key), _problems);
        }

        Problem(node, key, "must be a mapping of fields");
        return null;
    }

    public IReadOnlyList<YamlFields> MappingList(string key, bool required = false)
    {
        var node = Find(key);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
            }

            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Problem(node, key, "must be a list");
            return [];
        }

        var result = new List<YamlFields>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlMappingNode item)
            {
                result.Add(new YamlFields(_source, item, $"{Field(key)}[{i}]", _problems));
            }
            else
            {
                Problem(sequence.Children[i], $"{key}[{i}]", "must be a mapping of fields");
            }
        }

        return result;
    }

    /// <summary>Reports every field that was not read: a misspelt field must not be silently ignored.</summary>
    public void RejectUnknown()
    {
        foreach (var (key, value) in _node.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && !_read.Contains(name))
            {
                Problem(key, name, $"unknown field (known here: {string.Join(", ", _read.Order(StringComparer.Ordinal))})");
            }
        }
    }

    /// <summary>Writes a YAML document without the end-of-document marker.</summary>
    public static string Save(YamlNode root)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString().Replace("...\n", "", StringComparison.Ordinal).TrimEnd() + "\n";
    }

    /// <summary>
    /// Parses <paramref name="text"/> and returns its top-level mapping, or throws with the YAML error's line;
    /// <paramref name="fields"/> names a few top-level fields for the message when the document is not a mapping.
    /// </summary>
    public static YamlFields Root(string source, string text, List<string> problems, string fields = "minReplicas, maxReplicas, metrics")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new PolicyFileException([string.Create(CultureInfo.InvariantCulture, $"{source}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}")]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyFileException([$"{source}:1: the file must be a YAML mapping (fields such as {fields})"]);
        }

        return new YamlFields(source, root, "", problems);
    }
}
