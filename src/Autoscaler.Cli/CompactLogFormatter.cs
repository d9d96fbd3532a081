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

        var category = logEntry.Category;
        var dot = category.LastIndexOf('.');
        textWriter.Write(TimeProvider.System.GetLocalNow().ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce ",
            LogLevel.Debug => "dbug ",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "fail ",
            _ => "crit ",
        });
        textWriter.Write(dot >= 0 ? category.AsSpan(dot + 1) : category);
        textWriter.Write(": ");
        textWriter.Write(message);
        if (logEntry.Exception is { } e)
        {
            textWriter.Write(" (");
            textWriter.Write(e.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(e.Message);
            textWriter.Write(')');
        }

        textWriter.WriteLine();
    }
}
