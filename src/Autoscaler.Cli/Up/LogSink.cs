using System.Collections.Concurrent;
using Autoscaler.Cli.Logging;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>
/// Where the stack's components log: one line per event in the format of <c>--log-format</c>, appended to a log file,
/// echoed to the console when there is no status view, and kept as text for the status view.
/// </summary>
internal sealed class LogSink(string? file, bool echo, LogSettings settings, TimeProvider? time = null, int keep = 8) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<string> _recent = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly LogSettings _settings = settings;
    private StreamWriter? _writer = file is null ? null : new StreamWriter(file, append: true) { AutoFlush = true };

    /// <summary>The latest lines, always as text: the status view shows them to a person.</summary>
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

    private void Write<TState>(LogLevel level, string category, string message, Exception? exception, TState state)
    {
        var now = _time.GetUtcNow();
        var text = LogLine.Text(now, level, category, message, exception);
        var line = _settings.Format == LogFormat.Json ? LogLine.Json(now, level, category, message, exception, state) : text;
        lock (_lock)
        {
            _writer?.WriteLine(line);
            if (echo)
            {
                Console.Out.WriteLine(line);
            }
        }

        _recent.Enqueue(text);
        while (_recent.Count > keep)
        {
            _recent.TryDequeue(out _);
        }
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => sink._settings.Allows(category, logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Write(logLevel, category, formatter(state, exception), exception, state);
            }
        }
    }
}
