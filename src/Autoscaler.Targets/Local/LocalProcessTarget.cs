using System.ComponentModel;
using System.Net;
using System.Reflection;
using Autoscaler.Core.Processes;
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
/// replaced. A replica reported unready (<see cref="ReadinessChanged"/>, from the gateway's probes) no longer counts:
/// a stand-in starts at once, and the unready one is killed after the grace period unless it recovers first. The
/// count is always read from the live set.
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
    private long _replacedUnhealthy;

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

    /// <summary>Replicas killed and replaced because they stayed unready past the grace period, since the start.</summary>
    public long ReplacedUnhealthy => Interlocked.Read(ref _replacedUnhealthy);

    /// <summary>
    /// Told by whoever probes the replicas (the gateway) that the replica at <paramref name="replica"/> became unready
    /// (<paramref name="ready"/> false) or ready again. Unready: it stops counting, so a stand-in starts, and it is
    /// killed if still unready after <see cref="LocalTargetOptions.UnhealthyGracePeriod"/>. Ready again: it counts
    /// again, and the newest replica drains if that makes one too many. Addresses that are not ready replicas of
    /// this target are ignored.
    /// </summary>
    public void ReadinessChanged(Uri replica, bool ready, string reason)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (!_options.ReplaceUnhealthy || _disposing.IsCancellationRequested)
        {
            return;
        }

        Replica? found;
        lock (_lock)
        {
            found = _replicas.FirstOrDefault(r => r.State == ReplicaState.Ready && r.Url.Authority == replica.Authority);
            if (found is null || found.Unhealthy != ready)
            {
                return; // not ours, or no change
            }

            found.Unhealthy = !ready;
            found.Grace?.Dispose();
            found.Grace = ready ? null : _time.CreateTimer(static s => ((Action)s!)(), (Action)(() => ReplaceUnhealthy(found)), _options.UnhealthyGracePeriod, Timeout.InfiniteTimeSpan);
        }

        if (ready)
        {
            LogRecovered(_logger, found.Id);
        }
        else
        {
            LogUnhealthy(_logger, found.Id, reason, _options.UnhealthyGracePeriod);
        }

        InBackground(async () =>
        {
            if (_desired >= 0)
            {
                await ReconcileAsync(_disposing.Token);
            }
        });
    }

    private void ReplaceUnhealthy(Replica replica)
    {
        lock (_lock)
        {
            if (!replica.Unhealthy || replica.State != ReplicaState.Ready)
            {
                return;
            }

            replica.State = ReplicaState.Stopping;
        }

        Interlocked.Increment(ref _replacedUnhealthy);
        LogKillingUnhealthy(_logger, replica.Id, _options.UnhealthyGracePeriod);
        InBackground(async () =>
        {
            await PublishAsync(_disposing.Token);
            // It cannot drain: a stopped or hung process does not act on SIGTERM.
            await replica.Process.KillAsync().WaitAsync(_disposing.Token);

            Forget(replica);
            var result = await ReconcileAsync(_disposing.Token);
            LogReplaced(_logger, result.Replicas, result.Message);
        });
    }

    /// <summary>Runs <paramref name="work"/> under the gate, off the caller's thread; stops quietly when the target is disposed.</summary>
    private void InBackground(Func<Task> work) => _ = Task.Run(async () =>
    {
        try
        {
            await _gate.WaitAsync(_disposing.Token);
            try
            {
                await work();
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
            Launch(replica);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            Forget(replica);
            return $"cannot start {string.Join(' ', _command)}: {e.Message}";
        }

        var deadline = _time.GetTimestamp();
        while (_time.GetElapsedTime(deadline) < _options.ReadyTimeout)
        {
            if (replica.Process.HasExited)
            {
                await replica.Process.Exited;
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

    private void Launch(Replica replica)
    {
        TextWriter? log = _options.LogDirectory is { } dir
            ? TextWriter.Synchronized(new StreamWriter(Path.Combine(dir, $"replica-{replica.Port}.log"), append: true) { AutoFlush = true })
            : null;
        try
        {
            replica.Process = ChildProcess.Start(new ChildProcessOptions
            {
                Executable = _command[0],
                Arguments =
                [
                    .. _command.Skip(1),
                    "webapp", "--port", replica.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--instance-id", replica.Id, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    .. _options.WebAppArguments,
                ],
                Name = replica.Id,
                OutputLines = 0, // it goes to the log file, when there is one
                OnOutput = line => Write(log, line.Line),

                // It watches --parent-pid and drains when the parent is gone, on every OS; a kill at exit would cut that short.
                DieWithParent = false,
                Time = _time,
            });
        }
        catch
        {
            log?.Dispose();
            throw;
        }

        replica.Pid = replica.Process.ProcessId;
        replica.Log = log;
        _ = replica.Process.Exited.ContinueWith(_ => OnExited(replica), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
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
        if (replica.Unhealthy)
        {
            await process.KillAsync();
        }
        else if (await process.StopAsync(_options.StopTimeout))
        {
            LogKilled(_logger, replica.Id, _options.StopTimeout);
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
        InBackground(async () =>
        {
            await PublishAsync(_disposing.Token);
            if (_options.ReplaceDead && Live().Count < _desired)
            {
                var result = await ReconcileAsync(_disposing.Token);
                LogReplaced(_logger, result.Replicas, result.Message);
            }
        });
    }

    private static int SafeExitCode(ChildProcess? process) => process?.ExitCode ?? -1;

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
            return [.. _replicas.Where(r => r.State is ReplicaState.Starting or ReplicaState.Ready && !r.Unhealthy && r.Process is not { HasExited: true })];
        }
    }

    private void Forget(Replica replica)
    {
        lock (_lock)
        {
            replica.State = ReplicaState.Gone;
            replica.Grace?.Dispose();
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

        public ChildProcess Process { get; set; } = null!;

        public int Pid { get; set; }

        public TextWriter? Log { get; set; }

        /// <summary>Reported unready by the gateway's probes; not counted while so.</summary>
        public bool Unhealthy { get; set; }

        /// <summary>Fires at the end of the grace period of an unready replica.</summary>
        public ITimer? Grace { get; set; }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Id} is unready ({Reason}); a stand-in starts, and it is killed unless it recovers within {Grace}")]
    private static partial void LogUnhealthy(ILogger logger, string id, string reason, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Id} is ready again; kept")]
    private static partial void LogRecovered(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Id} stayed unready for {Grace}; killed and replaced")]
    private static partial void LogKillingUnhealthy(ILogger logger, string id, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not announce the replica set to {Listener}: {Message}")]
    private static partial void LogListenerFailed(ILogger logger, string listener, string message);
}
