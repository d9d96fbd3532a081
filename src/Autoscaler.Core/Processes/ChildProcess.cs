using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Autoscaler.Core.Processes;

/// <summary>What to start: the program, its arguments (a list, never a shell string), environment and directory.</summary>
public sealed record ChildProcessOptions
{
    /// <summary>The program: a path, or a name looked up on PATH.</summary>
    public required string Executable { get; init; }

    /// <summary>Its arguments, each passed as one argument, spaces and quotes intact.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Variables set (or, with a null value, removed) on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Its working directory; null for this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>What it is called in messages; the executable's file name when null.</summary>
    public string? Name { get; init; }

    /// <summary>How many of its last lines (stdout and stderr, in the order they arrived) are kept for messages.</summary>
    public int OutputLines { get; init; } = 400;

    /// <summary>
    /// Told every line it prints, on a reader thread, stdout and stderr possibly at the same time (for a log file,
    /// a logger, or to keep stdout apart). It must not throw.
    /// </summary>
    public Action<ChildOutputLine>? OnOutput { get; init; }

    /// <summary>
    /// True (the default): it must not outlive this process. On Linux the kernel sends it SIGTERM when this process
    /// dies, even by SIGKILL (<see cref="ChildProcesses"/>), and one still running when this process exits normally
    /// is killed with its tree. False for a child that stops by itself (a replica watching <c>--parent-pid</c>) or a
    /// command that should finish what it is doing (a scale action under way).
    /// </summary>
    public bool DieWithParent { get; init; } = true;

    /// <summary>Clock for the grace periods and timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>One line a child printed.</summary>
/// <param name="Line">The line, without its end.</param>
/// <param name="IsError">True when it came on stderr.</param>
public readonly record struct ChildOutputLine(string Line, bool IsError);

/// <summary>How a run to completion ended.</summary>
/// <param name="ExitCode">Its exit code (128 + N when signal N ended it); null when it was killed at its timeout.</param>
/// <param name="Output">Its last lines (see <see cref="ChildProcessOptions.OutputLines"/>).</param>
/// <param name="Elapsed">From start to exit.</param>
public sealed record ChildProcessResult(int? ExitCode, IReadOnlyList<string> Output, TimeSpan Elapsed)
{
    /// <summary>True when it did not finish within its timeout and was killed with its tree.</summary>
    public bool TimedOut => ExitCode is null;
}

/// <summary>
/// A program run as a child process, the one way the project runs one: started with a list of arguments (no shell),
/// its standard input closed (a prompt fails instead of hanging), its last lines kept for messages, stopped with SIGTERM
/// and then killed with every process it started after a grace period, and either supervised (<see cref="Exited"/>)
/// or run to completion with a timeout (<see cref="RunAsync"/>).
/// </summary>
public sealed partial class ChildProcess : IChildProcess
{
    private const int SigTerm = 15;

    // Once it has exited, how long to wait for the rest of its output: a grandchild that escaped the tree may hold the
    // pipes open. Real time, not the options' clock: it bounds real I/O, and a test's fake clock must not stall it.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);
    private static readonly ConcurrentDictionary<ChildProcess, bool> DyingWithParent = new();

    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    private readonly Queue<string> _output = new();
    private readonly Lock _outputLock = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started;
    private int? _exitCode;
    private TimeSpan _elapsed;
    private int _stopping;

    static ChildProcess()
    {
        // A host that exits without stopping its children (an unhandled error, a forgotten dispose) leaves none behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in DyingWithParent.Keys)
            {
                child.KillTree();
            }
        };
    }

    private ChildProcess(ChildProcessOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Executable);
        ArgumentOutOfRangeException.ThrowIfNegative(options.OutputLines);
        _options = options;
        Name = options.Name ?? Path.GetFileName(options.Executable);
        // Through setpriv a missing program would be setpriv's failure (exit 127), not a failure to start.
        var executable = options.DieWithParent && ChildProcesses.DieWithParent
            ? Executables.Find(options.Executable) ?? throw new Win32Exception(2, $"cannot start {options.Executable}: not found, or not executable")
            : options.Executable;
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (options.WorkingDirectory is { } directory)
        {
            info.WorkingDirectory = directory;
        }

        foreach (var argument in options.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Environment)
        {
            info.Environment[name] = value;
        }

        _process = new Process
        {
            StartInfo = options.DieWithParent ? ChildProcesses.DyingWithParent(info) : info,
            EnableRaisingEvents = true,
        };
        _process.OutputDataReceived += (_, e) => Received(e.Data, isError: false);
        _process.ErrorDataReceived += (_, e) => Received(e.Data, isError: true);
        _process.Exited += (_, _) => _ = OnExitedAsync();
        _started = options.Time.GetTimestamp();
        try
        {
            if (options.DieWithParent)
            {
                ChildProcesses.Start(_process);
            }
            else
            {
                _process.Start();
            }
        }
        catch
        {
            _process.Dispose();
            throw;
        }

        ProcessId = _process.Id;
        if (options.DieWithParent)
        {
            DyingWithParent[this] = true;
        }

        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _reading.SetResult();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int ProcessId { get; }

    /// <summary>Completes once it has exited and its output has been read (or stopped coming); never faults.</summary>
    public Task Exited => _exited.Task;

    /// <summary>True once it has exited (its last lines may still be arriving until <see cref="Exited"/> completes).</summary>
    public bool HasExited => _exited.Task.IsCompleted || ProcessHasExited();

    /// <inheritdoc />
    public int? ExitCode => _exited.Task.IsCompleted ? _exitCode : null;

    /// <summary>The last lines it printed, one string.</summary>
    public string Output => string.Join('\n', OutputTail);

    /// <summary>The last lines it printed (at most <see cref="ChildProcessOptions.OutputLines"/>).</summary>
    public IReadOnlyList<string> OutputTail
    {
        get
        {
            lock (_outputLock)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Starts a program; returns once it runs.</summary>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable).</exception>
    public static ChildProcess Start(ChildProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ChildProcess(options);
    }

    /// <summary>
    /// Runs a program to completion. Past <paramref name="timeout"/> it is killed with every process it started and the
    /// result has no exit code; on cancellation it is killed the same way and <see cref="OperationCanceledException"/> thrown.
    /// </summary>
    /// <exception cref="Win32Exception">The program could not be started.</exception>
    public static async Task<ChildProcessResult> RunAsync(ChildProcessOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var child = Start(options);
        using var limit = new CancellationTokenSource(timeout, options.Time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        try
        {
            await child.Exited.WaitAsync(either.Token).ConfigureAwait(false);
            return new ChildProcessResult(child.ExitCode, child.OutputTail, child._elapsed);
        }
        catch (OperationCanceledException) when (either.IsCancellationRequested)
        {
            await child.KillAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return new ChildProcessResult(null, child.OutputTail, child._elapsed);
        }
    }

    /// <summary>Sends it SIGTERM; false where that is not possible (Windows, or it is gone).</summary>
    public bool Terminate() => !OperatingSystem.IsWindows() && !HasExited && Kill(ProcessId, SigTerm) == 0;

    /// <summary>
    /// SIGTERM, then, when it has not exited after <paramref name="grace"/>, a kill of it and every process it started.
    /// Returns once it has exited; true when it had to be killed after the grace period.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        Interlocked.Exchange(ref _stopping, 1);
        if (HasExited)
        {
            await Exited.ConfigureAwait(false);
            return false;
        }

        if (!Terminate())
        {
            await KillAsync().ConfigureAwait(false);
            return false;
        }

        using var timeout = new CancellationTokenSource(grace, _options.Time);
        try
        {
            await Exited.WaitAsync(timeout.Token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>Kills it and every process it started, at once (no SIGTERM), and returns once it has exited.</summary>
    public async Task KillAsync()
    {
        KillTree();
        await Exited.ConfigureAwait(false);
    }

    /// <summary>Stops it (<see cref="StopAsync"/> with a 10 s grace period) unless it has exited already.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _stopping) == 0)
        {
            await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Gone already, or released once it exited.
        }
    }

    private bool ProcessHasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private async Task OnExitedAsync()
    {
        // A program that exits at once can raise this before the constructor has started reading its output.
        await _reading.Task.ConfigureAwait(false);
        _elapsed = _options.Time.GetElapsedTime(_started);
        try
        {
            _exitCode = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            _exitCode = -1;
        }

        try
        {
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(DrainLimit, TimeProvider.System).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        DyingWithParent.TryRemove(this, out _);
        _exited.TrySetResult();

        // Nothing more to read or signal: release the handle now rather than leave it to whoever forgets to dispose.
        _process.Dispose();
    }

    private void Received(string? line, bool isError)
    {
        if (line is null)
        {
            (isError ? _stderrClosed : _stdoutClosed).TrySetResult();
            return;
        }

        if (_options.OutputLines > 0)
        {
            lock (_outputLock)
            {
                _output.Enqueue(line);
                while (_output.Count > _options.OutputLines)
                {
                    _output.Dequeue();
                }
            }
        }

        _options.OnOutput?.Invoke(new ChildOutputLine(line, isError));
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
