using System.Diagnostics;
using Autoscaler.Core.Processes;

namespace Autoscaler.Core.Tests.Processes;

public sealed class ChildProcessesTests
{
    [Fact]
    public void On_linux_a_child_is_started_through_setpriv_with_the_parent_death_signal_and_keeps_its_arguments()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "PR_SET_PDEATHSIG is Linux's");
        Assert.True(ChildProcesses.DieWithParent, ChildProcesses.WhyNotDieWithParent);
        var info = new ProcessStartInfo("/usr/bin/prometheus") { ArgumentList = { "--config.file=a b.yml", "--web.listen-address=127.0.0.1:0" } };

        ChildProcesses.DyingWithParent(info);

        Assert.EndsWith("/setpriv", info.FileName, StringComparison.Ordinal);
        Assert.Equal(["--pdeathsig", "TERM", "--", "/usr/bin/prometheus", "--config.file=a b.yml", "--web.listen-address=127.0.0.1:0"], info.ArgumentList);
    }

    [Fact]
    public async Task A_child_started_from_a_thread_that_ends_keeps_running_with_its_own_pid()
    {
        // The kernel sends the parent-death signal when the thread that forked the child ends, not the process:
        // a child started from a thread-pool thread would die when the pool retires it.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "PR_SET_PDEATHSIG is Linux's");
        using var process = new Process { StartInfo = ChildProcesses.DyingWithParent(new ProcessStartInfo("sleep") { ArgumentList = { "30" } }) };
        var thread = new Thread(() =>
        {
            ChildProcesses.Start(process);

            // The thread ends only once setpriv has set the flag and become sleep: ending before would prove nothing.
            var deadline = TimeProvider.System.GetTimestamp();
            while (Command(process.Id) != "sleep" && TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(10);
            }
        });
        thread.Start();
        thread.Join();
        try
        {
            Assert.Equal("sleep", Command(process.Id));
            await Task.Delay(300, TestContext.Current.CancellationToken); // the signal would have arrived by now

            Assert.False(process.HasExited, "the child died with the thread that asked for it");
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
