using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Gateway.Destinations;

/// <summary>
/// Follows the destinations file. Writers replace it atomically (temp file + rename), so the directory is
/// watched for creations, renames and changes, notifications are debounced, and the file is also polled
/// in case a notification is lost. A file that cannot be read or parsed is reported once and ignored:
/// the previous set stays in force, never a half-applied one.
/// </summary>
internal sealed partial class DestinationsFileWatcher(
    GatewayOptions options,
    IReadOnlyList<Uri> fixedDestinations,
    IGatewayDestinations destinations,
    TimeProvider time,
    ILogger<DestinationsFileWatcher> logger) : IHostedService, IDisposable
{
    private readonly string _path = System.IO.Path.GetFullPath(options.DestinationsFile ?? throw new ArgumentException("no destinations file", nameof(options)));
    private readonly Lock _lock = new();
    private string? _lastSeen;
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private ITimer? _poll;

    public string Path => _path;

    /// <summary>The static destinations first, then the file's, without duplicates.</summary>
    public static IReadOnlyList<Uri> Combine(IEnumerable<Uri> fixedDestinations, IEnumerable<Uri> fromFile) =>
        fixedDestinations.Concat(fromFile).DistinctBy(d => d.AbsoluteUri, StringComparer.Ordinal).ToList();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Reload();
        _debounce = time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll = time.CreateTimer(_ => Reload(), null, options.FilePollInterval, options.FilePollInterval);
        try
        {
            var directory = System.IO.Path.GetDirectoryName(_path)!;
            _watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnEvent;
            _watcher.Created += OnEvent;
            _watcher.Deleted += OnEvent;
            _watcher.Renamed += OnEvent;
            _watcher.Error += (_, e) => LogWatchFailed(_path, e.GetException().Message, options.FilePollInterval);
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            LogWatchFailed(_path, e.Message, options.FilePollInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _poll?.Dispose();
    }

    /// <summary>Reads the file and applies it when its content changed since the last look.</summary>
    internal void Reload()
    {
        try
        {
            lock (_lock)
            {
                string seen;
                string? problem = null;
                IReadOnlyList<Uri>? parsed = null;
                try
                {
                    seen = DestinationsFile.ReadText(_path);
                }
                catch (InvalidDataException e)
                {
                    seen = "\0" + e.Message;
                    problem = e.Message;
                }

                if (seen == _lastSeen)
                {
                    return;
                }

                _lastSeen = seen;
                if (problem is null)
                {
                    try
                    {
                        parsed = DestinationsFile.Parse(seen);
                    }
                    catch (InvalidDataException e)
                    {
                        problem = e.Message;
                    }
                }

                if (problem is not null)
                {
                    LogInvalidFile(_path, problem, destinations.Current.Count);
                    return;
                }

                destinations.Set(Combine(fixedDestinations, parsed!));
            }
        }
        catch (Exception e)
        {
            LogReloadFailed(e, _path);
        }
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        if (string.Equals(e.FullPath, _path, StringComparison.Ordinal)
            || (e is RenamedEventArgs r && string.Equals(r.OldFullPath, _path, StringComparison.Ordinal)))
        {
            _debounce?.Change(options.FileDebounce, Timeout.InfiniteTimeSpan);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Destinations file {Path} ignored: {Problem}; keeping the previous {Count} destinations")]
    private partial void LogInvalidFile(string path, string problem, int count);

    [LoggerMessage(LogLevel.Warning, "Cannot watch {Path} for changes ({Reason}); polling it every {Interval} instead")]
    private partial void LogWatchFailed(string path, string reason, TimeSpan interval);

    [LoggerMessage(LogLevel.Error, "Applying destinations file {Path} failed")]
    private partial void LogReloadFailed(Exception e, string path);
}
