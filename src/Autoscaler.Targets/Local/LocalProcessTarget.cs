using System.Diagnostics;
using System.Net;
using System.Reflection;
using Autoscaler.Core.Scaling;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Targets.Local;

/// <summary>A replica as the local target sees it.</summary>
/// <param name="Id">Instance id, <c>webapp-PORT</c>.</param>
/// <param name="Url">Where it listens.</param>
/// <param name="Pid">Its process id.</param>
/// <param name="State">Starting, Ready or Stopping.</param>
public sealed record LocalReplica(string Id, Uri Url, int Pid, string State);

/// <summary>
/// Replicas are child processes of the same <c>autoscaler</c> binary (<c>autoscaler webapp --port P</c>).
/// Scaling up starts replicas and announces each once it is ready; scaling down withdraws replicas from
/// rotation first, then lets them drain (SIGTERM) and stops them. A replica that dies is withdrawn and
/// replaced. The count is always read from the live set.
/// </summary>
public sealed partial class LocalProcessTarget : IScaleTarget, IAsyncDisposable
{
    private readonly LocalTargetOptions _options;
    private readonly IReadOnlyList<string> _command;
    private readonly IReadOnlyList<IReplicaSetListener> _listeners;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<Replica> _replicas = [];
    private readonly List<Task> _stopping = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource _disposing = new();
    private int _desired = -1;
    private int _nextPort;
    private long _started;

    /// <summary>Creates the target; nothing is started until the first <see cref="ScaleAsync"/>.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="command">The executable and leading arguments that run <c>autoscaler</c>; see <see cref="SelfCommand"/>.</param>
    /// <param name="listeners">Told the ready set on every change (gateway, file_sd).</param>
    /// <param name="time">Clock for waits.</param>
    /// <param name="logger">Where replica starts, stops and deaths are logged.</param>
    public LocalProcessTarget(
        LocalTargetOptions options,
        IReadOnlyList<string> command,
        IEnumerable<IReplicaSetListener> listeners,
        TimeProvider time,
        ILogger<LocalProcessTarget> logger)
    {
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        _options = options;
        _command = command;
        _listeners = [.. listeners];
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "local";

    /// <summary>How to start this very binary again: the apphost, or <c>dotnet autoscaler.dll</c>.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        if (!Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return [path];
        }

        var entry = Assembly.GetEntryAssembly()?.Location;
        return string.IsNullOrEmpty(entry) ? throw new InvalidOperationException("cannot tell which assembly is running") : [path, entry];
    }

    /// <summary>The replicas now, for status views.</summary>
    public IReadOnlyList<LocalReplica> Replicas
    {
        get
        {
            lock (_lock)
            {
                return [.. _replicas.Select(r => new LocalReplica(r.Id, r.Url, r.Pid, r.State.ToString()))];
            }
        }
    }

    /// <inheritdoc />
    public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Live().Count);

    /// <inheritdoc />
    public async Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _desired = replicas;
            return await ReconcileAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ScaleResult> ReconcileAsync(CancellationToken cancellationToken)
    {
        var live = Live();
        var failures = new List<string>();
        if (live.Count < _desired)
        {
            var started = await Task.WhenAll(Enumerable.Range(0, _desired - live.Count).Select(_ => StartReplicaAsync(cancellationToken)));
            failures.AddRange(started.OfType<string>());
            await PublishAsync(cancellationToken);
        }
        else if (live.Count > _desired)
        {
            var victims = live.OrderByDescending(r => r.Order).Take(live.Count - _desired).ToList();
            lock (_lock)
            {
                victims.ForEach(v => v.State = ReplicaState.Stopping);
            }

            // Out of rotation first, so no new request reaches a replica that is about to drain.
            await PublishAsync(cancellationToken);
            lock (_lock)
            {
                _stopping.RemoveAll(t => t.IsCompleted);
                _stopping.AddRange(victims.Select(StopReplicaAsync));
            }
        }

        var now = Live().Count;
        return failures.Count == 0 && now == _desired
            ? new ScaleResult(true, now, $"{now} replicas")
            : new ScaleResult(false, now, $"{now} of {_desired} replicas: {string.Join("; ", failures)}");
    }

    private async Task<string?> StartReplicaAsync(CancellationToken cancellationToken)
    {
        Replica replica;
        lock (_lock)
        {
            var port = FreePort();
            if (port is null)
            {
                return $"no free port in {_options.PortRangeStart}-{_options.PortRangeEnd}";
            }

            replica = new Replica(port.Value, Interlocked.Increment(ref _started));
            _replicas.Add(replica);
        }

        try
        {
            replica.Process = Launch(replica);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Forget(replica);
            return $"cannot start {string.Join(' ', _command)}: {e.Message}";
        }

        var deadline = _time.GetTimestamp();
        while (_time.GetElapsedTime(deadline) < _options.ReadyTimeout)
        {
            if (replica.Process.HasExited)
            {
                Forget(replica);
                LogStartFailed(_logger, replica.Id, $"exited with code {replica.Process.ExitCode}");
                return $"{replica.Id} exited with code {replica.Process.ExitCode} while starting";
            }

            if (await IsReadyAsync(replica, cancellationToken))
            {
                lock (_lock)
                {
                    replica.State = ReplicaState.Ready;
                }

                LogStarted(_logger, replica.Id, replica.Url, replica.Pid);
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), _time, cancellationToken);
        }

        LogStartFailed(_logger, replica.Id, $"not ready within {_options.ReadyTimeout}");
        await StopReplicaAsync(replica);
        return $"{replica.Id} was not ready within {_options.ReadyTimeout.TotalSeconds:0.#} s";
    }

    private Process Launch(Replica replica)
    {
        var info = new ProcessStartInfo(_command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in _command.Skip(1).Concat(
        [
            "webapp", "--port", replica.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--instance-id", replica.Id, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]).Concat(_options.WebAppArguments))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.Exited += (_, _) => OnExited(replica);
        TextWriter? log = _options.LogDirectory is { } dir
            ? TextWriter.Synchronized(new StreamWriter(Path.Combine(dir, $"replica-{replica.Port}.log"), append: true) { AutoFlush = true })
            : null;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        replica.Pid = process.Id;
        replica.Log = log;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Write(TextWriter? log, string? line)
    {
        if (log is not null && line is not null)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task<bool> IsReadyAsync(Replica replica, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(replica.Url, "/readyz"), cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task StopReplicaAsync(Replica replica)
    {
        var process = replica.Process;
        if (process is null || process.HasExited)
        {
            Forget(replica);
            return;
        }

        LogStopping(_logger, replica.Id);
        if (!PosixSignal.Send(process.Id, PosixSignal.Term))
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(_options.StopTimeout, _time);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            LogKilled(_logger, replica.Id, _options.StopTimeout);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        Forget(replica);
    }

    private void OnExited(Replica replica)
    {
        bool unexpected;
        lock (_lock)
        {
            unexpected = replica.State == ReplicaState.Ready && _replicas.Contains(replica);
        }

        if (!unexpected || _disposing.IsCancellationRequested)
        {
            return;
        }

        LogDied(_logger, replica.Id, SafeExitCode(replica.Process));
        Forget(replica);
        _ = Task.Run(async () =>
        {
            try
            {
                await _gate.WaitAsync(_disposing.Token);
                try
                {
                    await PublishAsync(_disposing.Token);
                    if (_options.ReplaceDead && Live().Count < _desired)
                    {
                        var result = await ReconcileAsync(_disposing.Token);
                        LogReplaced(_logger, result.Replicas, result.Message);
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private static int SafeExitCode(Process? process)
    {
        try
        {
            return process?.ExitCode ?? -1;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        List<Uri> ready;
        lock (_lock)
        {
            ready = [.. _replicas.Where(r => r.State == ReplicaState.Ready).OrderBy(r => r.Order).Select(r => r.Url)];
        }

        foreach (var listener in _listeners)
        {
            try
            {
                await listener.ReplicasChangedAsync(ready, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogListenerFailed(_logger, listener.GetType().Name, e.Message);
            }
        }
    }

    private List<Replica> Live()
    {
        lock (_lock)
        {
            return [.. _replicas.Where(r => r.State is ReplicaState.Starting or ReplicaState.Ready && r.Process is not { HasExited: true })];
        }
    }

    private void Forget(Replica replica)
    {
        lock (_lock)
        {
            replica.State = ReplicaState.Gone;
            _replicas.Remove(replica);
        }

        replica.Log?.Dispose();
    }

    // Ports are handed out round-robin, so a replacement gets a new address: Prometheus and the gateway
    // then see a new instance instead of a gap in the old one's series.
    private int? FreePort()
    {
        var used = _replicas.Select(r => r.Port).ToHashSet();
        var size = _options.PortRangeEnd - _options.PortRangeStart + 1;
        for (var i = 0; i < size; i++)
        {
            var port = _options.PortRangeStart + ((_nextPort + i) % size);
            if (!used.Contains(port) && LoopbackPorts.IsFree(port))
            {
                _nextPort = (port - _options.PortRangeStart + 1) % size;
                return port;
            }
        }

        return null;
    }

    /// <summary>Withdraws every replica, lets them drain, and stops them; no replica outlives the target.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        await _disposing.CancelAsync();
        await _gate.WaitAsync();
        List<Replica> all;
        lock (_lock)
        {
            all = [.. _replicas];
            all.ForEach(r => r.State = ReplicaState.Stopping);
        }

        await PublishAsync(CancellationToken.None);
        Task[] pending;
        lock (_lock)
        {
            pending = [.. _stopping];
        }

        await Task.WhenAll(all.Select(StopReplicaAsync).Concat(pending));
        _http.Dispose();
        _gate.Release();
    }

    private enum ReplicaState
    {
        Starting,
        Ready,
        Stopping,
        Gone,
    }

    private sealed class Replica(int port, long order)
    {
        public int Port { get; } = port;

        public long Order { get; } = order;

        public string Id { get; } = $"webapp-{port}";

        public Uri Url { get; } = new($"http://127.0.0.1:{port}");

        public ReplicaState State { get; set; } = ReplicaState.Starting;

        public Process Process { get; set; } = null!;

        public int Pid { get; set; }

        public TextWriter? Log { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Id} ready at {Url} (pid {Pid})")]
    private static partial void LogStarted(ILogger logger, string id, Uri url, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replica {Id} failed to start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Id} withdrawn from rotation; draining")]
    private static partial void LogStopping(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Id} did not exit within {Timeout}; killed")]
    private static partial void LogKilled(ILogger logger, string id, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Id} died (exit code {Code}); withdrawn from rotation")]
    private static partial void LogDied(ILogger logger, string id, int code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replacement done: {Replicas} replicas ({Message})")]
    private static partial void LogReplaced(ILogger logger, int replicas, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not announce the replica set to {Listener}: {Message}")]
    private static partial void LogListenerFailed(ILogger logger, string listener, string message);
}
