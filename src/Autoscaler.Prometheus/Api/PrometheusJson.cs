using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Autoscaler.Prometheus.Discovery;

namespace Autoscaler.Prometheus.Api;

/// <summary>
/// Reads the <c>data</c> of API answers. Samples are <c>[unixSeconds, "value"]</c> pairs whose value is a
/// string because JSON has no NaN or infinities; Prometheus writes those as <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.
/// </summary>
internal static class PrometheusJson
{
    public static InstantQueryData ParseInstant(JsonElement data)
    {
        var resultType = RequiredString(data, "resultType");
        var result = Required(data, "result");
        return resultType switch
        {
            "vector" => new InstantQueryData(PrometheusResultType.Vector, [.. Items(result).Select(ParseSample)], [], null),
            "scalar" => Scalar(result),
            "matrix" => new InstantQueryData(PrometheusResultType.Matrix, [], [.. Items(result).Select(ParseSeries)], null),
            "string" => new InstantQueryData(PrometheusResultType.String, [], [], ParsePair(result).Text),
            _ => throw new FormatException($"unknown resultType \"{resultType}\""),
        };

        static InstantQueryData Scalar(JsonElement result)
        {
            var (time, text) = ParsePair(result);
            return new InstantQueryData(PrometheusResultType.Scalar, [new PrometheusSample(new Dictionary<string, string>(), time, ParseValue(text))], [], null);
        }
    }

    public static IReadOnlyList<PrometheusSeries> ParseRange(JsonElement data)
    {
        var resultType = RequiredString(data, "resultType");
        if (resultType != "matrix")
        {
            throw new FormatException($"a range query should return a matrix, not a {resultType}");
        }

        return [.. Items(Required(data, "result")).Select(ParseSeries)];
    }

    public static IReadOnlyList<PrometheusTarget> ParseTargets(JsonElement data) =>
        [.. Items(Required(data, "activeTargets")).Select(t => new PrometheusTarget(
            StringOrNull(t, "scrapePool") ?? "",
            RequiredString(t, "scrapeUrl"),
            StringOrNull(t, "health") ?? "unknown",
            Labels(t, "labels"),
            StringOrNull(t, "lastError") ?? "",
            ParseLastScrape(StringOrNull(t, "lastScrape")),
            t.TryGetProperty("lastScrapeDuration", out var d) && d.ValueKind == JsonValueKind.Number
                ? TimeSpan.FromSeconds(d.GetDouble())
                : TimeSpan.Zero))];

    public static IReadOnlyList<string> Warnings(JsonElement root) =>
        root.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array
            ? [.. w.EnumerateArray().Select(x => x.ToString())]
            : [];

    /// <summary>Parses a sample value as Prometheus formats it (Go's strconv: <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, <c>1e-05</c>).</summary>
    public static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"\"{text}\" is not a sample value"),
    };

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    public static string? StringOrNull(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()
            : null;

    private static PrometheusSample ParseSample(JsonElement item)
    {
        if (!item.TryGetProperty("value", out var value))
        {
            throw new FormatException(item.TryGetProperty("histogram", out _)
                ? "native histogram samples are not supported; query a float series (e.g. histogram_quantile)"
                : "a vector sample without \"value\"");
        }

        var (time, text) = ParsePair(value);
        return new PrometheusSample(Labels(item, "metric"), time, ParseValue(text));
    }

    private static PrometheusSeries ParseSeries(JsonElement item)
    {
        var points = item.TryGetProperty("values", out var values)
            ? Items(values).Select(ParsePair).Select(p => new PrometheusPoint(p.Time, ParseValue(p.Text))).ToList()
            : item.TryGetProperty("histograms", out _)
                ? throw new FormatException("native histogram series are not supported")
                : [];
        return new PrometheusSeries(Labels(item, "metric"), points);
    }

    private static (DateTimeOffset Time, string Text) ParsePair(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
            || pair[0].ValueKind != JsonValueKind.Number || pair[1].ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"expected [unixSeconds, \"value\"], got {pair.GetRawText()}");
        }

        var seconds = pair[0].GetDouble();
        return (DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)), pair[1].GetString()!);
    }

    private static Dictionary<string, string> Labels(JsonElement element, string name)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.TryGetProperty(name, out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in map.EnumerateObject())
            {
                labels[label.Name] = label.Value.ToString();
            }
        }

        return labels;
    }

    private static DateTimeOffset? ParseLastScrape(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) && t.Year > 1
            ? t
            : null;

    private static JsonElement.ArrayEnumerator Items(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : throw new FormatException($"expected an array, got {array.ValueKind}");

    private static JsonElement Required(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var p)
            ? p
            : throw new FormatException($"\"{name}\" is missing");

    private static string RequiredString(JsonElement element, string name) =>
        StringOrNull(element, name) ?? throw new FormatException($"\"{name}\" is missing or not a string");
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<FileSdTargetGroup>))]
internal sealed partial class PrometheusJsonContext : JsonSerializerContext;
