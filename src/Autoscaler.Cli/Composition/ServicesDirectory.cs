using Autoscaler.Scaler.Fleet;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>
/// Follows <c>--services DIR</c>: every <see cref="ScanAsync"/> (each poll interval) reads the files that are new or whose
/// content (or policy file) changed, and brings the fleet in line. A new file starts its service; a changed one replaces its
/// policy, and its target only when the target's settings changed (a local replica set is moved to the new one at the
/// same count); a removed file stops its loop and leaves its replicas as they are; a file that cannot be applied is
/// reported and its service keeps its last good version. A file renamed with the same <c>name</c> is a change, not a
/// removal and an addition. Polling rather than inotify: it sees editors' rename-over-writes and network file systems
/// alike, and is tested with a fake clock.
/// </summary>
internal sealed partial class ServicesDirectory(
    string directory,
    TargetKinds kinds,
    ScalerFleet fleet,
    Func<ServiceFile, CancellationToken, Task<ScalerTarget>> createTarget,
    Func<ServiceFile, ScalerTarget, ServiceSetup> setup,
    TimeProvider time,
    ILogger logger) : IAsyncDisposable
{
    /// <summary>How often the directory is read by default.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    // What each file held when last read (its fingerprint) and the service it defines, if it was read well.
    private readonly Dictionary<string, (string Fingerprint, string? Service)> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ServiceFile File, ScalerTarget Target)> _running = new(StringComparer.Ordinal);
    private readonly List<ScalerTarget> _released = [];
    private string? _directoryProblem;

    /// <summary>Scans completed, for tests that wait for one.</summary>
    public long Scans => Interlocked.Read(ref _scans);

    private long _scans;

    /// <summary>Reads the directory once and applies what changed.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ScanOnceAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _scans);
        }
    }

    private async Task ScanOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> paths;
        try
        {
            paths = ServiceFile.In(directory);
            _directoryProblem = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A directory that went away (an unmounted volume) must not read as "every service removed".
            if (_directoryProblem != e.Message)
            {
                _directoryProblem = e.Message;
                LogDirectoryUnreadable(logger, directory, e.Message);
            }

            return;
        }

        var present = paths.ToHashSet(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            await ReadAsync(path, present, cancellationToken);
        }

        foreach (var gone in _files.Keys.Where(p => !present.Contains(p)).ToList())
        {
            var service = _files[gone].Service;
            _files.Remove(gone);
            if (service is not null && _running.TryGetValue(service, out var run) && run.File.Path == gone)
            {
                // Its loop stops; its target (and a local target's replicas) stay as they are until the scaler stops.
                _running.Remove(service);
                _released.Add(run.Target);
                await fleet.RemoveAsync(service, cancellationToken);
            }
            else if (service is null && fleet.ProblemOf(ServiceFile.DefaultName(gone)) is { } problem && problem.File == gone)
            {
                await fleet.RemoveAsync(problem.Service, cancellationToken);
            }
        }
    }

    /// <summary>Scans every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await ScanAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(string path, HashSet<string> present, CancellationToken cancellationToken)
    {
        string fingerprint;
        try
        {
            fingerprint = ServiceFile.FingerprintOf(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // being written or gone since the listing: the next scan reads it
        }

        if (_files.TryGetValue(path, out var known) && known.Fingerprint == fingerprint)
        {
            return;
        }

        var (file, problems) = ServiceFile.Read(path, kinds);
        if (file is null)
        {
            _files[path] = (fingerprint, null);
            fleet.RecordProblem(ServiceFile.DefaultName(path), path, string.Join("; ", problems));
            return;
        }

        // Another file (still there) already defines this service: this one waits, re-read every scan, until that changes.
        if (_running.TryGetValue(file.Name, out var owner) && owner.File.Path != file.Path && present.Contains(owner.File.Path))
        {
            _files.Remove(path);
            fleet.RecordProblem(file.Name, path, $"service {file.Name} is already defined by {owner.File.Path}; give this one another name");
            return;
        }

        ScalerTarget target;
        ScalerTarget? replaced = null;
        if (_running.TryGetValue(file.Name, out var before) && before.Target.Key == TargetKinds.KeyOf(file.TargetKind, file.TargetOptions))
        {
            target = before.Target;
        }
        else
        {
            try
            {
                target = await createTarget(file, cancellationToken);
            }
            catch (Exception e) when (e is UsageException or InvalidOperationException or IOException or ArgumentException or HttpRequestException)
            {
                _files[path] = (fingerprint, null);
                fleet.RecordProblem(file.Name, path, $"target: {e.Message}");
                return;
            }

            replaced = before.Target;
            if (replaced?.ReplicaSet is { } old && target.ReplicaSet is { } fresh)
            {
                // A new local replica set starts empty: bring it to the count the old one had, so the change resets nothing.
                var count = await old.GetCurrentReplicasAsync(cancellationToken);
                var moved = await fresh.ScaleAsync(count, cancellationToken);
                if (!moved.Succeeded)
                {
                    await target.DisposeAsync();
                    _files[path] = (fingerprint, null);
                    fleet.RecordProblem(file.Name, path, $"target: the new replica set did not reach {count}: {moved.Message}");
                    return;
                }
            }
        }

        _files[path] = (fingerprint, file.Name);
        _running[file.Name] = (file, target);
        await fleet.ApplyAsync(setup(file, target), cancellationToken);
        if (replaced is not null)
        {
            await replaced.DisposeAsync();
        }
    }

    /// <summary>Lets go of every target, those of removed services too (a local target stops its replicas).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var target in _running.Values.Select(r => r.Target).Concat(_released))
        {
            await target.DisposeAsync();
        }

        _running.Clear();
        _released.Clear();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot read the services directory {Directory} ({Message}); every service keeps running as it is")]
    private static partial void LogDirectoryUnreadable(ILogger logger, string directory, string message);
}
