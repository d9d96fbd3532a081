using System.Globalization;
using Autoscaler.Testing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>The shipped deployment files, read as plain YAML trees (anchors and merge keys resolved).</summary>
internal static class DeployFiles
{
    public const string ComposeFile = "deploy/compose/docker-compose.yml";

    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    /// <summary>Every YAML file under deploy/, as paths relative to the repository root.</summary>
    public static IReadOnlyList<string> AllYaml() =>
        [.. Directory.EnumerateFiles(RepositoryRoot.File("deploy"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepositoryRoot.Path, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    /// <summary>Reads a file below the repository root; null for a file of several documents (Kubernetes manifests).</summary>
    public static object? Load(string relative)
    {
        using var reader = new StreamReader(RepositoryRoot.File(relative));
        var parser = new MergingParser(new Parser(reader));
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var first = Yaml.Deserialize(parser);
        return parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _) ? null : first;
    }

    public static Dictionary<object, object?> Map(object? node, string what) =>
        node as Dictionary<object, object?> ?? throw new InvalidDataException($"{what}: expected a mapping, found {node?.GetType().Name ?? "nothing"}");

    public static Dictionary<object, object?>? MapOrNull(object? node) => node as Dictionary<object, object?>;

    public static List<object?> Seq(object? node) => node as List<object?> ?? [];

    public static string? Str(object? node) => node switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => node.ToString(),
    };

    public static object? Get(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (MapOrNull(node) is not { } map || !map.TryGetValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The services of the Compose file by name.</summary>
    public static Dictionary<string, Dictionary<object, object?>> ComposeServices() =>
        Map(Get(Load(ComposeFile), "services"), "services").ToDictionary(s => Str(s.Key)!, s => Map(s.Value, $"services.{s.Key}"));

    /// <summary>A service's bind mounts (short syntax, <c>SOURCE:TARGET[:MODE]</c>) with the source relative to the repository root.</summary>
    public static IEnumerable<(string Source, string Target)> BindMounts(Dictionary<object, object?> service)
    {
        foreach (var volume in Seq(Get(service, "volumes")).Select(Str))
        {
            var parts = volume!.Split(':');
            if (parts[0].StartsWith('.'))
            {
                var source = Path.GetRelativePath(RepositoryRoot.Path, Path.GetFullPath(Path.Combine(RepositoryRoot.File("deploy/compose"), parts[0])));
                yield return (source.Replace('\\', '/').TrimEnd('/'), parts[1]);
            }
            else if (parts[0].StartsWith('/'))
            {
                yield return (parts[0], parts[1]);
            }
        }
    }

    /// <summary>Published ports as (host address, host port, container port), from the short syntax <c>[IP:]HOST:CONTAINER</c>.</summary>
    public static IEnumerable<(string Address, int HostPort, int ContainerPort)> PublishedPorts(Dictionary<object, object?> service)
    {
        foreach (var port in Seq(Get(service, "ports")).Select(Str))
        {
            var parts = port!.Split('/')[0].Split(':');
            yield return parts.Length switch
            {
                3 => (parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture)),
                2 => ("0.0.0.0", int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture)),
                _ => throw new InvalidDataException($"ports: '{port}' publishes no fixed host port"),
            };
        }
    }
}
