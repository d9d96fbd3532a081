using System.Globalization;
using Autoscaler.Core.Processes;
using Autoscaler.Core.Time;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Up;

/// <summary>
/// How long to wait before starting a child that died again: <see cref="Initial"/>, doubled after each death that came
/// soon after a start, up to <see cref="Max"/>, and back to <see cref="Initial"/> once a child ran for
/// <see cref="ResetAfter"/>. A child that cannot start is retried for ever, just never faster than <see cref="Max"/>.
/// </summary>
internal sealed record RestartBackoff(TimeSpan Initial, TimeSpan Max, TimeSpan ResetAfter)
{
    /// <summary>1 s, doubling up to 30 s, reset after a minute of running.</summary>
    public static RestartBackoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
}

/// <summary>
/// Keeps one child program of <c>up</c> (Prometheus, Alertmanager) running: when it exits while <c>up</c> runs, logs
/// it (exit code, last lines) and starts it again, with <see cref="RestartBackoff"/> between attempts. While it is
/// down, <see cref="Problem"/> says so, for the status view and the readiness of the stack.
/// </summary>
internal sealed partial class ChildSupervisor<T> : IAsyncDisposable
    where T : class, IChildProcess
{
    private readonly string _what;
    private readonly Func<CancellationToken, Task<T>> _restart;
    private readonly RestartBackoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private T _current;
    private TimeSpan _next;
    private volatile string? _problem;
    private int _restarts;

    /// <summary>Supervises <paramref name="first"/>, already running; <paramref name="restart"/> starts a new one (same port, same files).</summary>
    public ChildSupervisor(string what, T first, Func<CancellationToken, Task<T>> restart, TimeProvider time, ILogger logger, RestartBackoff? backoff = null)
    {
        (_what, _current, _restart, _time, _logger, _backoff) = (what, first, restart, time, logger, backoff ?? RestartBackoff.Default);
        _next = _backoff.Initial;
        _loop = Task.Run(() => SuperviseAsync(_stop.Token));
    }

    /// <summary>The child running now (or the one that died, until its replacement runs).</summary>
    public T Current => Volatile.Read(ref _current);

    /// <summary>How many times it was started again.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Why it is not running now (it exited, or cannot be started again); null while it runs.</summary>
    public string? Problem => _problem;

    private async Task SuperviseAsync(CancellationToken stop)
    {
        try
        {
            var started = _time.GetTimestamp();
            while (true)
            {
                var child = Current;
                await child.Exited.WaitAsync(stop);
                var ranFor = _time.GetElapsedTime(started);
                if (ranFor >= _backoff.ResetAfter)
                {
                    _next = _backoff.Initial;
                }

                var diedAt = _time.GetTimestamp();
                var code = child.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?";
                LogExited(_logger, _what, child.ProcessId, code + Signal(child.ExitCode), Durations.Humanize(ranFor), Durations.Humanize(_next), Tail(child.Output));
                _problem = $"{_what} exited with code {code}{Signal(child.ExitCode)}; restarting it";
                await child.DisposeAsync();
                started = await RestartAsync(diedAt, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    // The wait is counted from the death (or the failed attempt), not from when the timer is set, and what is logged is
    // logged before the problem and the count are published: whoever sees them sees the log and the same due time.
    private async Task<long> RestartAsync(long since, CancellationToken stop)
    {
        while (true)
        {
            var delay = _next;
            _next = _next * 2 < _backoff.Max ? _next * 2 : _backoff.Max;
            var left = delay - _time.GetElapsedTime(since);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, _time, stop);
            }

            try
            {
                var child = await _restart(stop);
                Volatile.Write(ref _current, child);
                var restarts = Restarts + 1;
                LogRestarted(_logger, _what, child.ProcessId, restarts);
                _problem = null;
                Volatile.Write(ref _restarts, restarts);
                return _time.GetTimestamp();
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                since = _time.GetTimestamp();
                LogRestartFailed(_logger, _what, FirstLine(e.Message), Durations.Humanize(_next));
                _problem = $"{_what} is down and could not be started again: {FirstLine(e.Message)}";
            }
        }
    }

    /// <summary>Stops supervising first (no restart during shutdown), then the child.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        await Current.DisposeAsync();
    }

    private static string Signal(int? code) => code switch
    {
        137 => " (SIGKILL)",
        143 => " (SIGTERM)",
        134 => " (SIGABRT)",
        139 => " (SIGSEGV)",
        _ => "",
    };

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(3));
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0];

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} (pid {Pid}) exited with code {Code} after running {RanFor}; starting it again in {Delay}. Its last lines: {Output}")]
    private static partial void LogExited(ILogger logger, string what, int pid, string code, string ranFor, string delay, string output);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} started again (pid {Pid}; restart {Restarts})")]
    private static partial void LogRestarted(ILogger logger, string what, int pid, int restarts);

    [LoggerMessage(Level = LogLevel.Error, Message = "{What} could not be started again: {Message}; next attempt in {Delay}")]
    private static partial void LogRestartFailed(ILogger logger, string what, string message, string delay);
}
