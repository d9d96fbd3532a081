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
