using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Autoscaler.Cli;

/// <summary>One short line per event: <c>07:46:42 info ScalerLoop: avg_rt=0.75 current_replicas=1</c>.</summary>
internal sealed class CompactLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "compact";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(Line(logEntry.LogLevel, logEntry.Category, message, logEntry.Exception));
        textWriter.WriteLine();
    }

    /// <summary>The one line for an event, without the line break; also used by <c>autoscaler up</c>'s log sink.</summary>
    public static string Line(LogLevel level, string category, string message, Exception? exception)
    {
        var dot = category.LastIndexOf('.');
        var name = dot >= 0 ? category[(dot + 1)..] : category;
        var levelName = level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{TimeProvider.System.GetLocalNow():HH:mm:ss} {levelName} {name}: {message}");
        return exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})";
    }
}
