using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// One service of <c>--services DIR</c>, as its file says:
/// <code>
/// name: shop                      # optional: the file's name without .yaml
/// policy: ../policies/shop.yaml   # any format validate reads; relative to this file
/// target:
///   kind: local                   # local (default), ansible, compose or kubernetes
///   portRangeStart: 8101          # the kind's settings: the keys of its configuration section
/// checkInterval: 5s               # optional: instead of the policy's
/// dryRun: false                   # optional
/// gateway: {port: 8001}           # optional, for `up --services`: where the service's gateway listens
/// </code>
/// </summary>
internal sealed partial record ServiceFile(
    string Name,
    string Path,
    string PolicyPath,
    PolicySpec Policy,
    string TargetKind,
    object TargetOptions,
    TimeSpan? CheckInterval,
    bool DryRun,
    int? GatewayPort)
{
    private static readonly string[] Keys = ["name", "policy", "target", "checkInterval", "dryRun", "gateway"];

    /// <summary>The files a directory of services holds: <c>*.yaml</c> and <c>*.yml</c>, not hidden ones (editors' swap files).</summary>
    public static IReadOnlyList<string> In(string directory) =>
        [.. Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)];

    /// <summary>What a service name may be, for messages.</summary>
    public const string NameRule = "is not a service name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (as a Kubernetes name)";

    /// <summary>Whether <paramref name="name"/> may name a service.</summary>
    public static bool IsName(string name) => name.Length <= 63 && ServiceName().IsMatch(name);

    /// <summary>The service's name when its file does not say: the file's name without the extension.</summary>
    public static string DefaultName(string path) => System.IO.Path.GetFileNameWithoutExtension(path);

    /// <summary>What the file and its policy file hold now, to tell whether either changed since the last read.</summary>
    public static string FingerprintOf(string path)
    {
        var text = File.ReadAllBytes(path);
        var policy = PolicyReference(Encoding.UTF8.GetString(text)) is { } reference && System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, reference) is var p && File.Exists(p)
            ? File.ReadAllBytes(p)
            : [];
        return Convert.ToHexString(SHA256.HashData([.. text, 0, .. policy]));
    }

    /// <summary>
    /// Reads <paramref name="path"/>; every problem is returned (as <c>file:line: field: problem</c>) and the service is
    /// null when there is one.
    /// </summary>
    public static (ServiceFile? Service, IReadOnlyList<string> Problems) Read(string path, TargetKinds kinds)
    {
        var problems = new List<string>();
        string text;
        try
        {
            text = YamlText.Read(path, null, "service file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return (null, [$"{path}: {e.Message}"]);
        }

        YamlMappingNode root;
        try
        {
            if (YamlText.TooDeepAt(text) is { } line)
            {
                return (null, [$"{path}:{line}: {YamlText.TooDeep}"]);
            }

            var stream = new YamlStream();
            YamlText.Load(stream, text);
            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                return (null, [$"{path}: a service file is one YAML mapping (name, policy, target); see deploy/services/"]);
            }

            root = mapping;
        }
        catch (YamlException e)
        {
            return (null, [$"{path}:{e.Start.Line}: not YAML: {e.Message}"]);
        }

        string At(YamlNode node, string field) => $"{path}:{node.Start.Line}: {field}";
        foreach (var (key, _) in root.Children)
        {
            if (key is not YamlScalarNode { Value: { } k } || !Keys.Contains(k))
            {
                problems.Add($"{At(key, key.ToString())}: unknown field; a service file has {string.Join(", ", Keys)}");
            }
        }

        var name = Scalar(root, "name") ?? DefaultName(path);
        if (!IsName(name))
        {
            problems.Add($"{At(Node(root, "name") ?? root, "name")}: \"{name}\" {NameRule}"
                + (Node(root, "name") is null ? " (it comes from the file's name: rename the file or set name)" : ""));
        }

        PolicySpec? policy = null;
        var policyPath = "";
        if (Scalar(root, "policy") is not { Length: > 0 } reference)
        {
            problems.Add($"{At(Node(root, "policy") ?? root, "policy")}: missing; give the policy file (any format `autoscaler validate` reads), relative to this file");
        }
        else
        {
            policyPath = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, reference));
            try
            {
                var document = PolicyFiles.Load(policyPath);
                policy = document.Spec;
            }
            catch (PolicyFileException e)
            {
                problems.AddRange(e.Problems.Select(p => $"{At(Node(root, "policy")!, "policy")}: {p}"));
            }
        }

        TimeSpan? interval = null;
        if (Scalar(root, "checkInterval") is { } every)
        {
            if (Durations.TryParse(every, out var parsed) && parsed >= TimeSpan.FromMilliseconds(50) && parsed <= TimeSpan.FromDays(1))
            {
                interval = parsed;
            }
            else
            {
                problems.Add($"{At(Node(root, "checkInterval")!, "checkInterval")}: \"{every}\" is not a duration from 50ms to 1d (e.g. 10s)");
            }
        }

        var dryRun = false;
        if (Scalar(root, "dryRun") is { } dry && !bool.TryParse(dry, out dryRun))
        {
            problems.Add($"{At(Node(root, "dryRun")!, "dryRun")}: \"{dry}\" must be true or false");
        }

        int? gatewayPort = null;
        if (Node(root, "gateway") is { } gateway)
        {
            if (gateway is not YamlMappingNode g || Scalar(g, "port") is not { } port || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535
                || g.Children.Count != 1)
            {
                problems.Add($"{At(gateway, "gateway")}: must be {{port: N}}, a port from 1 to 65535");
            }
            else
            {
                gatewayPort = p;
            }
        }

        var (kind, options) = Target(root, kinds, path, problems);
        return problems.Count > 0 || policy is null || options is null
            ? (null, problems)
            : (new ServiceFile(name, System.IO.Path.GetFullPath(path), policyPath, policy, kind, options, interval, dryRun, gatewayPort), problems);
    }

    private static (string Kind, object? Options) Target(YamlMappingNode root, TargetKinds kinds, string path, List<string> problems)
    {
        var node = Node(root, "target");
        if (node is null)
        {
            node = new YamlMappingNode();
        }
        else if (node is not YamlMappingNode)
        {
            problems.Add($"{path}:{node.Start.Line}: target: must be a mapping with kind and the kind's settings");
            return (TargetFlag.Local, null);
        }

        var target = (YamlMappingNode)node;
        var kindName = Scalar(target, "kind") ?? TargetFlag.Local;
        if (kinds.Find(kindName) is not { } kind)
        {
            problems.Add($"{path}:{target.Start.Line}: target.kind: \"{kindName}\" is not a target; use one of {kinds.Names}");
            return (kindName, null);
        }

        // The settings bind exactly as the kind's configuration section would (LocalTarget:PortRangeStart, ...).
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in target.Children)
        {
            if (key is YamlScalarNode { Value: "kind" })
            {
                continue;
            }

            Flatten($"{kind.Section}:{key}", value, settings);
        }

        var loader = new OptionsLoader(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        object? options = null;
        try
        {
            options = kind.BindFile(loader);
        }
        catch (UsageException e)
        {
            problems.Add($"{path}:{target.Start.Line}: target: {e.Message}");
        }

        problems.AddRange(loader.Problems.Select(p => $"{path}:{target.Start.Line}: target: {p.Replace($"{kind.Section}:", "", StringComparison.Ordinal)}"));
        return (kindName, options);
    }

    private static void Flatten(string prefix, YamlNode node, Dictionary<string, string?> into)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                into[prefix] = scalar.Value;
                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Flatten($"{prefix}:{i}", sequence.Children[i], into);
                }

                break;
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    Flatten($"{prefix}:{key}", value, into);
                }

                break;
        }
    }

    private static YamlNode? Node(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode mapping, string key) => Node(mapping, key) is YamlScalarNode { Value: { } v } ? v : null;

    // The policy file a service file names, found without parsing it fully (for the fingerprint of a file that may be invalid).
    private static string? PolicyReference(string text) =>
        PolicyLine().Match(text) is { Success: true } m ? m.Groups[1].Value.Trim().Trim('"', '\'') : null;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"^policy:\s*(\S.*?)\s*(#.*)?$", RegexOptions.Multiline)]
    private static partial Regex PolicyLine();
}
