using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Leadership;

/// <summary>
/// Active/standby on one host over an OS file lock: the scaler that holds an exclusive lock on the file leads. .NET
/// takes it with <c>flock(LOCK_EX | LOCK_NB)</c> when the file is opened with <see cref="FileShare.None"/>, and the
/// kernel drops it when the process ends however it ends (SIGKILL included), so a standby retrying every retry period
/// takes over within one. A stopped (SIGSTOP) or hung leader keeps the lock, so two scalers on one host can never both
/// lead; the price is that a frozen leader is not replaced until it dies. The leader writes its identity to
/// <c>FILE.holder</c> (the lock file itself cannot be read by another .NET process while locked) so standbys can name it.
/// Local file systems only: over NFS <c>flock</c> may be emulated or not shared between hosts.
/// </summary>
public sealed partial class FileLockLeadership(string path, string identity, TimeSpan retryPeriod, TimeProvider time, ILogger<FileLockLeadership> logger)
    : ILeadership, IDisposable
{
    private readonly Lock _gate = new();
    private FileStream? _held;
    private string? _holder;
    private string? _lastProblem;

    /// <summary>The lock file.</summary>
    public string Path => path;

    /// <summary>Where the leader writes its identity.</summary>
    public string HolderPath => path + ".holder";

    /// <inheritdoc />
    public string Identity => identity;

    /// <inheritdoc />
    public string Description => $"lock file {path}";

    /// <inheritdoc />
    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _held is not null;
            }
        }
    }

    /// <inheritdoc />
    public string? Holder
    {
        get
        {
            lock (_gate)
            {
                return _held is not null ? identity : _holder;
            }
        }
    }

    /// <inheritdoc />
    public event Action<bool>? Changed;

    /// <summary>The kernel holds the lock for us as long as we live: holding it is the whole claim.</summary>
    public bool CanAct(DateTimeOffset now) => IsLeader;

    /// <summary>
    /// True when .NET will not lock files (<c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> or the
    /// <c>System.IO.DisableFileLocking</c> switch): then every scaler would think it leads, so the election refuses to start.
    /// </summary>
    public static bool FileLockingDisabled =>
        (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled) && disabled)
        || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true" or "True" or "TRUE";

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                TryAcquire();
                await Task.Delay(retryPeriod, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Release();
        }
    }

    /// <summary>One attempt: takes the lock when it is free; true when this process holds it afterwards.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_held is not null)
            {
                return true;
            }

            try
            {
                _held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                // Locked by another process (EWOULDBLOCK): that one leads.
                _holder = ReadHolder();
                return false;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                if (_lastProblem != e.Message)
                {
                    _lastProblem = e.Message;
                    LogCannotOpen(logger, path, e.Message);
                }

                return false;
            }

            _lastProblem = null;
            WriteHolder();
        }

        LogAcquired(logger, identity, path);
        Changed?.Invoke(true);
        return true;
    }

    /// <summary>Gives the lock up (a standby takes it at its next retry).</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_held is null)
            {
                return;
            }

            TryDelete(HolderPath);
            _held.Dispose();
            _held = null;
            _holder = null;
        }

        LogReleased(logger, identity, path);
        Changed?.Invoke(false);
    }

    private void WriteHolder()
    {
        try
        {
            // Also in the lock file, for a human with cat (which does not flock).
            _held!.SetLength(0);
            _held.Write(System.Text.Encoding.UTF8.GetBytes(identity + "\n"));
            _held.Flush();
            var temporary = $"{HolderPath}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, identity + "\n");
            File.Move(temporary, HolderPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The holder's name is a courtesy to the standbys; the lock alone decides.
            LogHolderNotWritten(logger, HolderPath, e.Message);
        }
    }

    private string? ReadHolder()
    {
        try
        {
            return File.ReadAllText(HolderPath).Trim() is { Length: > 0 } holder ? holder : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose() => Release();

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading: {Identity} holds the lock file {Path}")]
    private static partial void LogAcquired(ILogger logger, string identity, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released the lock file {Path}")]
    private static partial void LogReleased(ILogger logger, string identity, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot open the lock file {Path}: {Message}; standing by and retrying")]
    private static partial void LogCannotOpen(ILogger logger, string path, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot write the leader's name to {Path}: {Message}; standbys will not know who leads")]
    private static partial void LogHolderNotWritten(ILogger logger, string path, string message);
}
