using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>
/// Where the stack's components log: one compact line per event, appended to a log file, kept for the
/// status view, and echoed to the console when there is no status view.
/// </summary>
internal sealed class LogSink(string? file, bool echo, int keep = 8) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<string> _recent = new();
    private StreamWriter? _writer = file is null ? null : new StreamWriter(file, append: true) { AutoFlush = true };

    public IReadOnlyList<string> Recent => [.. _recent];

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = CompactLogFormatter.Line(level, category, message, exception);
        lock (_lock)
        {
            _writer?.WriteLine(line);
            if (echo)
            {
                Console.Out.WriteLine(line);
            }
        }

        _recent.Enqueue(line);
        while (_recent.Count > keep)
        {
            _recent.TryDequeue(out _);
        }
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= (category.StartsWith("Microsoft", StringComparison.Ordinal) || category.StartsWith("Yarp", StringComparison.Ordinal)
                ? LogLevel.Warning
                : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
