using System.Text;
using System.Text.Json;

namespace Autoscaler.Gateway.Destinations;

/// <summary>
/// Reads the destinations file: a JSON array whose elements are URL strings
/// (<c>"http://127.0.0.1:8001"</c>) or Prometheus <c>file_sd</c> target groups
/// (<c>{"targets":["127.0.0.1:8001"],"labels":{…}}</c>), so Prometheus and the gateway can share one file.
/// </summary>
internal static class DestinationsFile
{
    private const string SchemeLabel = "__scheme__";

    /// <summary>Reads and parses the file; any problem is an <see cref="InvalidDataException"/> that says what is wrong.</summary>
    public static IReadOnlyList<Uri> Read(string path) => Parse(ReadText(path));

    /// <summary>Reads the whole file, tolerating a writer that replaces or rewrites it meanwhile.</summary>
    public static string ReadText(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException("the file does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"cannot read the file: {e.Message}", e);
        }
    }

    public static IReadOnlyList<Uri> Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new InvalidDataException("the file is empty; write [] for no destinations");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON: {e.Message.TrimEnd('.')}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException(
                    $"expected a JSON array of URLs or of file_sd target groups ({{\"targets\":[\"host:port\"]}}), found {Describe(root.ValueKind)}");
            }

            var result = new List<Uri>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                foreach (var address in ParseElement(element, index))
                {
                    if (seen.Add(address.AbsoluteUri))
                    {
                        result.Add(address);
                    }
                }

                index++;
            }

            return result;
        }
    }

    private static IEnumerable<Uri> ParseElement(JsonElement element, int index)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return [ParseUrl(element.GetString(), $"element {index}")];
            case JsonValueKind.Object:
                return ParseTargetGroup(element, index);
            default:
                throw new InvalidDataException($"element {index} is {Describe(element.ValueKind)}; expected a URL string or a target group object");
        }
    }

    private static List<Uri> ParseTargetGroup(JsonElement group, int index)
    {
        if (!group.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"element {index} has no \"targets\" array; a file_sd target group is {{\"targets\":[\"host:port\"],\"labels\":{{}}}}");
        }

        var scheme = "http";
        if (group.TryGetProperty("labels", out var labels))
        {
            if (labels.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"element {index}: \"labels\" is {Describe(labels.ValueKind)}; expected an object of strings");
            }

            if (labels.TryGetProperty(SchemeLabel, out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } given)
            {
                scheme = given;
            }
        }

        var result = new List<Uri>();
        var t = 0;
        foreach (var target in targets.EnumerateArray())
        {
            var where = $"element {index}, target {t++}";
            if (target.ValueKind != JsonValueKind.String || target.GetString() is not { Length: > 0 } hostPort)
            {
                throw new InvalidDataException($"{where} is {Describe(target.ValueKind)}; expected \"host:port\"");
            }

            if (hostPort.Contains("://", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{where}: '{hostPort}' has a scheme; file_sd targets are host:port (set the {SchemeLabel} label for https)");
            }

            result.Add(ParseUrl($"{scheme}://{hostPort}", where));
        }

        return result;
    }

    private static Uri ParseUrl(string? text, string where) =>
        DestinationAddress.TryParse(text, out var address, out var reason)
            ? address
            : throw new InvalidDataException($"{where}: {reason}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
