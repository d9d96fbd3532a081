using System.Globalization;
using System.Text.Json;

namespace Autoscaler.Targets.Compose;

/// <summary>
/// The Compose command lines the target runs, and how their output is read. Only options that both Compose v2
/// (<c>docker compose</c>) and docker-compose 1.29 accept are used, except <c>ps --format json</c>, which is
/// v2's (see <see cref="ComposePsFormat"/>).
/// </summary>
internal static class ComposeCommandLine
{
    /// <summary>The command and its project options (<c>-f</c>, <c>-p</c>, <c>--project-directory</c>), before the subcommand.</summary>
    public static List<string> Project(ComposeTargetOptions options)
    {
        var args = new List<string>(options.CommandTokens);
        foreach (var file in options.Files)
        {
            args.AddRange(["-f", file]);
        }

        if (!string.IsNullOrWhiteSpace(options.ProjectName))
        {
            args.AddRange(["-p", options.ProjectName]);
        }

        if (!string.IsNullOrWhiteSpace(options.ProjectDirectory))
        {
            args.AddRange(["--project-directory", options.ProjectDirectory]);
        }

        return args;
    }

    /// <summary>
    /// <c>up -d --no-recreate --scale SERVICE=N SERVICE</c>: starts or removes containers of the service only, and
    /// leaves running ones alone even when the file changed since they were created.
    /// </summary>
    public static List<string> Scale(ComposeTargetOptions options, int replicas) =>
    [
        .. Project(options), "up", "-d", "--no-recreate", "--scale", $"{options.Service}={replicas.ToString(CultureInfo.InvariantCulture)}", options.Service,
    ];

    /// <summary>The <c>ps</c> call that lists the service's containers in <paramref name="format"/>.</summary>
    public static List<string> Ps(ComposeTargetOptions options, ComposePsFormat format) => format switch
    {
        ComposePsFormat.Ids => [.. Project(options), "ps", "-q", options.Service],
        _ => [.. Project(options), "ps", "--format", "json", options.Service],
    };

    /// <summary><c>version --short</c>, which every Compose version answers without an engine.</summary>
    public static List<string> Version(ComposeTargetOptions options) => [.. options.CommandTokens, "version", "--short"];

    /// <summary>The format to use for a <c>version --short</c> answer: ids for 1.x, JSON for 2 and later or anything unrecognised.</summary>
    public static ComposePsFormat FormatForVersion(string versionOutput)
    {
        var text = versionOutput.Trim().TrimStart('v', 'V');
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var major) && major < 2
            ? ComposePsFormat.Ids
            : ComposePsFormat.Json;
    }

    /// <summary>
    /// Counts the running containers of <paramref name="service"/> in <c>ps --format json</c> output: a JSON array
    /// (Compose 2.0 to 2.20) or one JSON object per line (2.21 and later). Throws <see cref="FormatException"/> for anything else.
    /// </summary>
    public static int CountRunning(string output, string service)
    {
        var text = output.Trim();
        if (text.Length == 0)
        {
            return 0;
        }

        try
        {
            IEnumerable<JsonElement> containers;
            if (text.StartsWith('['))
            {
                using var array = JsonDocument.Parse(text);
                containers = [.. array.RootElement.EnumerateArray().Select(e => e.Clone())];
            }
            else
            {
                containers = [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseObject)];
            }

            return containers.Count(c => c.ValueKind == JsonValueKind.Object
                && string.Equals(Property(c, "State"), "running", StringComparison.OrdinalIgnoreCase)
                && (Property(c, "Service") is not { } s || s == service));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"unexpected output of ps --format json ({e.Message}): {Excerpt(text)}");
        }
    }

    /// <summary>Counts the container ids of <c>ps -q</c> output. Throws <see cref="FormatException"/> when a line is not an id.</summary>
    public static int CountIds(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var notAnId = lines.FirstOrDefault(l => l.Length < 12 || !l.All(char.IsAsciiHexDigitLower));
        return notAnId is null ? lines.Length : throw new FormatException($"unexpected output of ps -q, '{Excerpt(notAnId)}' is not a container id");
    }

    /// <summary>The end of what a failed command printed, on one line (of a Python traceback, as docker-compose 1.x prints, only the error).</summary>
    public static string ErrorSummary(string standardError)
    {
        var lines = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var keep = standardError.Contains("Traceback (most recent call last)", StringComparison.Ordinal) ? 1 : 3;
        var tail = string.Join(" | ", lines.TakeLast(keep));
        return tail.Length == 0 ? "no error output" : Excerpt(tail, 400);
    }

    private static JsonElement ParseObject(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static string? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.ToString();
            }
        }

        return null;
    }

    private static string Excerpt(string text, int max = 200) => text.Length <= max ? text : text[..max] + "…";
}
