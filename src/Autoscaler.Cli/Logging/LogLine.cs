using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Logging;

/// <summary>
/// One event as one line, in either format. Text: <c>2025-06-01T07:46:42.125Z info ScalerLoop: avg_rt=0.75 current_replicas=1</c>,
/// the time in UTC with its zone so lines from several hosts sort and compare. JSON: one object with the same four parts
/// and the event's structured fields, for log collectors.
/// </summary>
internal static class LogLine
{
    private const string OriginalFormat = "{OriginalFormat}";

    // Relaxed escaping keeps '>' and '+' readable ("Scaling from 1 -> 2"); the output is a log line, not HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(LogFormat format, DateTimeOffset time, LogLevel level, string category, string message, Exception? exception, object? state) =>
        format == LogFormat.Json ? Json(time, level, category, message, exception, state) : Text(time, level, category, message, exception);

    public static string Text(DateTimeOffset time, LogLevel level, string category, string message, Exception? exception)
    {
        var dot = category.LastIndexOf('.');
        var name = dot >= 0 ? category[(dot + 1)..] : category;
        var line = string.Create(CultureInfo.InvariantCulture, $"{Timestamp(time)} {LogFlags.Name(level)} {name}: {message}");
        return exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})";
    }

    public static string Json(DateTimeOffset time, LogLevel level, string category, string message, Exception? exception, object? state)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", Timestamp(time));
            json.WriteString("level", LogFlags.Name(level));
            json.WriteString("category", category);
            json.WriteString("message", message);
            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields && fields.Any(f => f.Key != OriginalFormat))
            {
                json.WriteStartObject("fields");
                foreach (var (key, value) in fields)
                {
                    if (key != OriginalFormat)
                    {
                        json.WritePropertyName(key);
                        Value(json, value);
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>ISO 8601 in UTC to the millisecond, with its zone: <c>2025-06-01T07:46:42.125Z</c>.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Value(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte or decimal:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumberValue(f);
                break;
            case TimeSpan t:
                json.WriteStringValue(Core.Time.Durations.Format(t));
                break;
            case DateTimeOffset d:
                json.WriteStringValue(Timestamp(d));
                break;
            case IFormattable formattable:
                json.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }
}
