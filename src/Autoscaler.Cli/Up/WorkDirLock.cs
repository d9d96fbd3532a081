using System.Globalization;

namespace Autoscaler.Cli.Up;

/// <summary>
/// One <c>autoscaler up</c> per work directory: an exclusive OS file lock on <c>WORK_DIR/up.lock</c> (flock on Unix,
/// a sharing lock on Windows), which the kernel releases when the process ends however it ends, so a killed
/// <c>up</c> leaves nothing to clean up. The holder's process id is in <c>WORK_DIR/up.pid</c>, for the message the next
/// one prints (the lock file itself cannot be read while it is held).
/// </summary>
internal sealed class WorkDirLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private WorkDirLock(FileStream @lock, string pidFile) => (_lock, _pidFile) = (@lock, pidFile);

    /// <summary>Takes the lock, or throws a <see cref="UsageException"/> naming the process that holds it.</summary>
    public static WorkDirLock Acquire(string workDirectory)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, "up.lock");
        var pidFile = Path.Combine(workDirectory, "up.pid");
        FileStream stream;
        try
        {
            // Never deleted: removing a locked file would let a second process lock a new file of the same name.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            var holder = File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? $"pid {pid}"
                : "another process";
            throw new UsageException(
                $"the work directory {workDirectory} is in use by another `autoscaler up` ({holder}): stop that one first, or give this one its own --work-dir");
        }

        File.WriteAllText(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new WorkDirLock(stream, pidFile);
    }

    /// <summary>Releases the lock (the process's end would too).</summary>
    public void Dispose()
    {
        try
        {
            File.Delete(_pidFile);
        }
        catch (IOException)
        {
        }

        _lock.Dispose();
    }
}
