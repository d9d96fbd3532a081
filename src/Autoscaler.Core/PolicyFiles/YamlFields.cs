using System.Globalization;
using Autoscaler.Core.Time;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>Where a property of the spec was read from: the node (its parent mapping when the key was absent) and the file's name for it.</summary>
internal sealed record FieldOrigin(YamlNode Node, string Field, string Key, bool Present);

/// <summary>What reading one document collects: problems, warnings, and where each spec property came from.</summary>
internal sealed class ReadContext(string source, List<string>? legacy = null)
{
    public string Source { get; } = source;

    /// <summary>The document's top mapping: where a rule about a property the file never mentions is reported.</summary>
    public YamlNode? Root { get; set; }

    public List<PolicyProblem> Problems { get; } = [];

    public List<PolicyProblem> Warnings { get; } = [];

    /// <summary>Spec property path (e.g. <c>Metrics[0].Threshold.ScaleUpThreshold</c>) to where the file has it.</summary>
    public Dictionary<string, FieldOrigin> Origins { get; } = new(StringComparer.Ordinal);

    /// <summary>Properties whose text could not be read: rules about them would only repeat the problem with a default value.</summary>
    public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);

    public void Add(PolicyProblem problem)
    {
        Problems.Add(problem);
        legacy?.Add(problem.ToString());
    }
}

/// <summary>
/// Reads fields of a YAML mapping by name, collecting every problem with its line and field path
/// instead of stopping at the first, and rejecting fields nobody asked for. A reader only maps: given the spec
/// property a field fills (<c>to:</c>), it records where it was read, so the rules checked later on the spec
/// (<see cref="PolicyRules"/>) are reported on the right line under the file's own field name.
/// </summary>
internal sealed class YamlFields
{
    private readonly YamlMappingNode _node;
    private readonly string _path;
    private readonly ReadContext _context;
    private readonly HashSet<string> _read;
    private readonly string _property;

    public YamlFields(string source, YamlMappingNode node, string path, List<string> problems)
        : this(new ReadContext(source, problems), node, path, "", new HashSet<string>(StringComparer.Ordinal))
    {
    }

    private YamlFields(ReadContext context, YamlMappingNode node, string path, string property, HashSet<string> read)
    {
        _context = context;
        _node = node;
        _path = path;
        _property = property;
        _read = read;
    }

    public YamlNode Node => _node;

    public ReadContext Context => _context;

    /// <summary>The spec property this mapping fills ("" for the policy itself).</summary>
    public string Property => _property;

    /// <summary>A root over <paramref name="node"/> reporting into <paramref name="context"/>.</summary>
    public static YamlFields Over(ReadContext context, YamlMappingNode node, string path = "", string property = "")
    {
        context.Root ??= node;
        return new(context, node, path, property, new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>The same mapping, filling the spec property <paramref name="property"/> (a path such as <c>Metrics[2]</c>).</summary>
    public YamlFields For(string property) => new(_context, _node, _path, property, _read);

    public void Problem(YamlNode at, string field, string message, int? column = null) =>
        _context.Add(new PolicyProblem(_context.Source, (int)at.Start.Line, Field(field), message, column));

    /// <summary>Something read but not used: the file is still valid.</summary>
    public void Warning(YamlNode at, string field, string message) =>
        _context.Warnings.Add(new PolicyProblem(_context.Source, (int)at.Start.Line, Field(field), message));

    public string Field(string name) => _path.Length == 0 ? name : name.Length == 0 ? _path : $"{_path}.{name}";

    public bool Has(string key) => Find(key) is not null;

    public YamlNode? Find(string key)
    {
        _read.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    /// <summary>The key's own node (its line is where the field starts, even when its value is a mapping on the next lines).</summary>
    public YamlNode? KeyNode(string key)
    {
        _read.Add(key);
        return _node.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: var v } && v == key);
    }

    /// <summary>Marks fields as known but not read: they are neither used nor an error (e.g. what a live object carries).</summary>
    public void Ignore(params string[] keys)
    {
        foreach (var key in keys)
        {
            _read.Add(key);
        }
    }

    /// <summary>The keys present that are not yet read.</summary>
    public IEnumerable<(string Key, YamlNode Node)> Unread() =>
        _node.Children.Where(c => c.Key is YamlScalarNode { Value: { } k } && !_read.Contains(k)).Select(c => (((YamlScalarNode)c.Key).Value!, c.Key));

    private string? Record(string key, string? to, YamlNode? node)
    {
        if (to is null)
        {
            return null;
        }

        var property = _property.Length == 0 ? to : $"{_property}.{to}";
        _context.Origins[property] = new FieldOrigin(node ?? _node, Field(key), key, node is not null);
        return property;
    }

    private void Fail(string? property)
    {
        if (property is not null)
        {
            _context.Failed.Add(property);
        }
    }

    public string? String(string key, bool required = false, string? to = null)
    {
        var node = Find(key);
        var property = Record(key, to, node);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
                Fail(property);
            }

            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            // A required value left blank (or a comment where it should be: `expression: #rps / 30`) is as missing.
            if (required && string.IsNullOrWhiteSpace(text))
            {
                Problem(node, key, "is empty; it needs a value");
                Fail(property);
                return null;
            }

            return text;
        }

        Problem(node, key, "must be a single value");
        Fail(property);
        return null;
    }

    public double? Number(string key, double min = double.MinValue, double max = double.MaxValue, bool required = false, string? to = null)
    {
        var text = String(key, required, to);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Problem(Find(key)!, key, $"'{text}' is not a number");
            Fail(Record(key, to, Find(key)));
            return null;
        }

        if (value < min || value > max)
        {
            Problem(Find(key)!, key, $"{text} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    public int? Integer(string key, int min = int.MinValue, int max = int.MaxValue, bool required = false, string? to = null)
    {
        var text = String(key, required, to);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Problem(Find(key)!, key, $"'{text}' is not a whole number");
            Fail(Record(key, to, Find(key)));
            return null;
        }

        if (value < min || value > max)
        {
            Problem(Find(key)!, key, $"{value} must be between {min} and {max}");
            return null;
        }

        return value;
    }

    public bool? Boolean(string key, string? to = null)
    {
        var text = String(key, to: to);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not true or false");
        Fail(Record(key, to, Find(key)));
        return null;
    }

    /// <summary>A duration of 0 or more; with <paramref name="max"/> (and <paramref name="maxText"/> naming it), a longer one is a problem.</summary>
    public TimeSpan? Duration(string key, string? to = null, TimeSpan? max = null, string? maxText = null)
    {
        var text = String(key, to: to);
        if (text is null)
        {
            return null;
        }

        if (Durations.TryParse(text, out var value) && value >= TimeSpan.Zero)
        {
            if (value > max)
            {
                Problem(Find(key)!, key, $"{text} is longer than {maxText ?? Durations.Format(max.Value)}, the longest the tool takes here");
                Fail(Record(key, to, Find(key)));
                return null;
            }

            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not a duration (e.g. 30s, 5m)");
        Fail(Record(key, to, Find(key)));
        return null;
    }

    /// <summary>A whole number of seconds (Kubernetes' way of writing durations), as a duration.</summary>
    public TimeSpan? Seconds(string key, string? to = null) => Integer(key, to: to) is { } s ? TimeSpan.FromSeconds(s) : null;

    public TEnum? Enum<TEnum>(string key, string? to = null)
        where TEnum : struct, System.Enum
    {
        var text = String(key, to: to);
        if (text is null)
        {
            return null;
        }

        if (System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !char.IsDigit(text.TrimStart('-')[0]))
        {
            return value;
        }

        Problem(Find(key)!, key, $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}");
        Fail(Record(key, to, Find(key)));
        return null;
    }

    /// <summary>A mapping of names to single values (headers, labels).</summary>
    public Dictionary<string, string>? Dictionary(string key, string? to = null)
    {
        var node = Find(key);
        Record(key, to, node);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Problem(node, key, "must be a mapping of names to values");
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in mapping.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode { Value: { } value })
            {
                result[name] = value;
            }
            else
            {
                Problem(k, $"{key}.{k}", "must be a single value");
            }
        }

        return result;
    }

    public YamlFields? Mapping(string key, bool required = false, string? to = null)
    {
        var node = Find(key);
        var property = Record(key, to, node);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
                Fail(property);
            }

            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return new YamlFields(_context, mapping, Field(key), property ?? _property, new HashSet<string>(StringComparer.Ordinal));
        }

        Problem(node, key, "must be a mapping of fields");
        return null;
    }

    /// <summary>
    /// The list under <paramref name="key"/>, each item a mapping. With <paramref name="max"/>, a longer list is one
    /// problem naming the bound (<paramref name="max"/>.Of says of what: "metrics a policy may have") and reads as empty.
    /// </summary>
    public IReadOnlyList<YamlFields> MappingList(string key, bool required = false, string? to = null, (int Most, string Of)? max = null)
    {
        var node = Find(key);
        var property = Record(key, to, node);
        if (node is null)
        {
            if (required)
            {
                Problem(_node, key, "is required");
                Fail(property);
            }

            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Problem(node, key, "must be a list");
            return [];
        }

        if (max is { } bound && sequence.Children.Count > bound.Most)
        {
            // Refused before any item is read: each would cost a query per check, or time and memory here.
            Problem(node, key, string.Create(CultureInfo.InvariantCulture, $"has {sequence.Children.Count} items, more than the {bound.Most} {bound.Of}"));
            Fail(property);
            return [];
        }

        var result = new List<YamlFields>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlMappingNode item)
            {
                var itemProperty = property is null ? _property : string.Create(CultureInfo.InvariantCulture, $"{property}[{i}]");
                if (property is not null)
                {
                    _context.Origins[itemProperty] = new FieldOrigin(item, $"{Field(key)}[{i}]", $"{key}[{i}]", true);
                }

                result.Add(new YamlFields(_context, item, $"{Field(key)}[{i}]", itemProperty, new HashSet<string>(StringComparer.Ordinal)));
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
    /// A scalar that reads back as a string whatever it holds: quoted when YAML (1.1, as kubectl reads it, or 1.2)
    /// would otherwise take it for a number, a boolean or null.
    /// </summary>
    public static YamlScalarNode Text(string value) =>
        LooksTyped(value) ? new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted } : new YamlScalarNode(value);

    /// <summary>True when a plain scalar with this text would not read back as a string.</summary>
    public static bool LooksTyped(string value) =>
        value.Length == 0
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || value.StartsWith("0o", StringComparison.OrdinalIgnoreCase)
        || value.StartsWith('.') || value.Contains(':', StringComparison.Ordinal) && value.All(c => char.IsDigit(c) || c is ':' or '.')
        || value.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "y" or "n" or "on" or "off" or "null" or "~" or ".inf" or "-.inf" or ".nan";

    /// <summary>
    /// Parses <paramref name="text"/> and returns its top-level mapping, or throws with the YAML error's line;
    /// <paramref name="fields"/> names a few top-level fields for the message when the document is not a mapping.
    /// </summary>
    public static YamlFields Root(string source, string text, List<string> problems, string fields = "minReplicas, maxReplicas, metrics")
    {
        var stream = new YamlStream();
        try
        {
            if (YamlText.TooDeepAt(text) is { } deep)
            {
                throw new PolicyFileException([new PolicyProblem(source, deep, "", YamlText.TooDeep)]);
            }

            YamlText.Load(stream, text);
        }
        catch (YamlException e)
        {
            throw new PolicyFileException([new PolicyProblem(source, (int)e.Start.Line, "", $"not valid YAML: {e.InnerException?.Message ?? e.Message}")]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyFileException([new PolicyProblem(source, 1, "", $"the file must be a YAML mapping (fields such as {fields})")]);
        }

        return new YamlFields(source, root, "", problems);
    }
}
