using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Autoscaler.Cli.Logging;

/// <summary>The console logger's formatter for <c>--log-format text</c>.</summary>
internal sealed class TextLogFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "autoscaler-text";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter) =>
        LogFormatters.Write(LogFormat.Text, logEntry, textWriter);
}

/// <summary>The console logger's formatter for <c>--log-format json</c>.</summary>
internal sealed class JsonLogFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "autoscaler-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter) =>
        LogFormatters.Write(LogFormat.Json, logEntry, textWriter);
}

internal static class LogFormatters
{
    /// <summary>
    /// Console logging in the chosen format and level, the way every verb logs; <paramref name="also"/> can hold back
    /// more categories (one filter function takes effect, so both are checked in it).
    /// </summary>
    public static ILoggingBuilder AddAutoscalerConsole(this ILoggingBuilder logging, LogSettings settings, Func<string, bool>? also = null) =>
        logging
            .AddConsole(o => o.FormatterName = settings.Format == LogFormat.Json ? JsonLogFormatter.Name : TextLogFormatter.Name)
            .AddConsoleFormatter<TextLogFormatter, ConsoleFormatterOptions>()
            .AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>()
            .SetMinimumLevel(LogLevel.Trace)
            .AddFilter((category, level) => settings.Allows(category ?? "", level) && (also?.Invoke(category ?? "") ?? true));

    public static void Write<TState>(LogFormat format, in LogEntry<TState> entry, TextWriter writer)
    {
        var message = entry.Formatter(entry.State, entry.Exception);
        if (string.IsNullOrEmpty(message) && entry.Exception is null)
        {
            return;
        }

        writer.Write(LogLine.Format(format, TimeProvider.System.GetUtcNow(), entry.LogLevel, entry.Category, message, entry.Exception, entry.State));
        writer.WriteLine();
    }
}
