using System.Text.Json;

namespace Autoscaler.Scaler;

/// <summary>Names the kind of a JSON value for error messages: "an object", "a string", "null"…</summary>
internal static class JsonKind
{
    public static string Of(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>
/// Reads a request body that must be one JSON object, with only the fields a handler knows when it names them: the
/// one place the API's "not JSON", "not an object" and "unknown field" answers come from, each ending with what to send.
/// </summary>
internal static class JsonBody
{
    /// <summary>The body as a document whose root is an object (the caller disposes it); null, with <paramref name="error"/>, when it is not.</summary>
    /// <param name="body">The request's body.</param>
    /// <param name="fields">The fields accepted; null accepts any.</param>
    /// <param name="expected">What to send instead, ending every message: "send {"replicas": 3}".</param>
    /// <param name="error">Why the body was refused.</param>
    public static JsonDocument? ReadObject(ReadOnlyMemory<byte> body, IReadOnlyCollection<string>? fields, string expected, out string error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            error = $"the body is not JSON ({e.Message}); {expected}";
            return null;
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = $"the body must be a JSON object, not {JsonKind.Of(root)}; {expected}";
            document.Dispose();
            return null;
        }

        if (fields is not null && root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !fields.Contains(n, StringComparer.Ordinal)) is { } unknown)
        {
            error = $"unknown field \"{unknown}\" (accepted: {string.Join(", ", fields)}); {expected}";
            document.Dispose();
            return null;
        }

        error = "";
        return document;
    }
}
