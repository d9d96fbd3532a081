using System.Globalization;
using Autoscaler.Cli.Up;
using Autoscaler.Testing;

namespace Autoscaler.Cli.Tests.Up;

public sealed class WorkDirLockTests
{
    [Fact]
    public void A_second_lock_on_the_same_directory_is_refused_naming_the_holders_pid()
    {
        using var dir = new TempDirectory();
        using (WorkDirLock.Acquire(dir.Path))
        {
            Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), File.ReadAllText(dir.File("up.pid")).Trim());

            var e = Assert.Throws<UsageException>(() => WorkDirLock.Acquire(dir.Path));

            Assert.Contains($"in use by another `autoscaler up` (pid {Environment.ProcessId})", e.Message, StringComparison.Ordinal);
            Assert.Contains("--work-dir", e.Message, StringComparison.Ordinal);
        }

        // Released: the next one takes it, and nothing was left that needed cleaning up.
        using var next = WorkDirLock.Acquire(dir.Path);
        Assert.True(File.Exists(dir.File("up.pid")));
    }

    [Fact]
    public void The_directory_is_created_when_missing()
    {
        using var dir = new TempDirectory();
        var work = Path.Combine(dir.Path, "a", "b");

        using var held = WorkDirLock.Acquire(work);

        Assert.True(File.Exists(Path.Combine(work, "up.lock")));
    }
}
