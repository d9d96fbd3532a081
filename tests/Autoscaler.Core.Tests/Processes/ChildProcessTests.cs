using System.ComponentModel;
using System.Globalization;
using Autoscaler.Core.Processes;
using Autoscaler.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Core.Tests.Processes;

/// <summary>
/// <see cref="ChildProcess"/> with real programs (/bin/sh, sleep, cat). Grace periods and timeouts run on a
/// <see cref="FakeTimeProvider"/>: the test advances it once the program is where it should be, so nothing waits on
/// the wall clock except for a real process to exit.
/// </summary>
public sealed class ChildProcessTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new("child-process");
    private readonly FakeTimeProvider _time = new();
    private readonly List<int> _pids = [];

    public void Dispose()
    {
        // Whatever a failed test left running goes now, so one failure does not leak sleeps into the next run.
        foreach (var pid in _pids.Where(IsAlive))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task A_run_gets_its_arguments_intact_its_environment_and_directory_and_returns_exit_code_and_output()
    {
        SkipUnlessLinux();
        var result = await ChildProcess.RunAsync(
            Options("/bin/sh", "-c", "printf '%s|' \"$@\"; echo; echo \"$GREETING\"; pwd; echo oops >&2; exit 3", "sh", "two words", "it's", "$HOME") with
            {
                Environment = new Dictionary<string, string?> { ["GREETING"] = "hello there" },
                WorkingDirectory = _dir.Path,
            },
            TimeSpan.FromMinutes(1),
            TestContext.Current.CancellationToken);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Equal(["two words|it's|$HOME|", "hello there", _dir.Path], result.Output.Where(l => l != "oops"));
        Assert.Contains("oops", result.Output);
    }

    [Fact]
    public async Task Only_the_last_lines_are_kept_while_the_callback_sees_every_line_and_where_it_came_from()
    {
        SkipUnlessLinux();
        var seen = new List<ChildOutputLine>();
        var result = await ChildProcess.RunAsync(
            Options("/bin/sh", "-c", "i=1; while [ $i -le 1000 ]; do echo line $i; i=$((i+1)); done; echo failure >&2") with
            {
                OutputLines = 10,
                OnOutput = line =>
                {
                    lock (seen)
                    {
                        seen.Add(line);
                    }
                },
            },
            TimeSpan.FromMinutes(1),
            TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(10, result.Output.Count);
        Assert.Equal([.. Enumerable.Range(992, 9).Select(i => $"line {i}")], result.Output.Where(l => l != "failure").TakeLast(9));
        Assert.Equal([.. Enumerable.Range(1, 1000).Select(i => $"line {i}")], seen.Where(l => !l.IsError).Select(l => l.Line));
        Assert.Equal([new ChildOutputLine("failure", IsError: true)], seen.Where(l => l.IsError));
    }

    [Fact]
    public async Task Standard_input_is_closed_so_a_program_that_reads_it_ends_instead_of_waiting_for_an_answer()
    {
        SkipUnlessLinux();
        var result = await ChildProcess.RunAsync(Options("/bin/sh", "-c", "read answer; echo \"got '$answer' ($?)\""), TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["got '' (1)"], result.Output);
    }

    [Fact]
    public async Task A_run_past_its_timeout_is_killed_with_the_processes_it_started_and_has_no_exit_code()
    {
        SkipUnlessLinux();
        var grandchild = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ChildProcess.RunAsync(SpawnsAGrandchild(grandchild), TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var pid = await grandchild.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.True(IsAlive(pid));
        Assert.False(run.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(30));
        var result = await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Null(result.ExitCode);
        Assert.Contains("started", result.Output);
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task A_cancelled_run_is_killed_with_the_processes_it_started_and_throws()
    {
        SkipUnlessLinux();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var grandchild = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = ChildProcess.RunAsync(SpawnsAGrandchild(grandchild), TimeSpan.FromMinutes(10), cancel.Token);
        var pid = await grandchild.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task Stop_sends_sigterm_first_and_a_program_that_handles_it_exits_in_its_own_way()
    {
        SkipUnlessLinux();
        var trapping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var child = Start(Options("/bin/sh", "-c", "trap 'echo draining; exit 0' TERM; echo ready; while :; do sleep 0.1; done") with
        {
            OnOutput = line => { if (line.Line == "ready") { trapping.TrySetResult(); } },
        });
        await trapping.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        var killed = await child.StopAsync(TimeSpan.FromMinutes(1)).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.False(killed);
        Assert.Equal(0, child.ExitCode);
        Assert.EndsWith("draining", child.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_kills_the_whole_tree_of_a_program_that_ignores_sigterm_once_the_grace_period_is_over()
    {
        SkipUnlessLinux();
        var grandchild = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var child = Start(Options("/bin/sh", "-c", "trap '' TERM; sleep 300 & echo $!; echo started; wait") with
        {
            OnOutput = line => { if (int.TryParse(line.Line, CultureInfo.InvariantCulture, out var pid)) { grandchild.TrySetResult(pid); } },
        });
        var pid = await grandchild.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        _pids.Add(pid);

        var stopping = child.StopAsync(TimeSpan.FromSeconds(5));
        // The grace period has not passed: it ignored SIGTERM and still runs.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(stopping.IsCompleted);
        Assert.True(IsAlive(child.ProcessId));

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(await stopping.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(128 + 9, child.ExitCode);
        await AssertGoneAsync(pid);
        await AssertGoneAsync(child.ProcessId);
    }

    [Fact]
    public async Task Exited_tells_a_supervisor_when_and_how_the_program_ended_with_its_last_words()
    {
        SkipUnlessLinux();
        await using var child = Start(Options("/bin/sh", "-c", "echo 'config error: no such file'; exit 5") with { Name = "prometheus" });

        await child.Exited.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.True(child.HasExited);
        Assert.Equal(5, child.ExitCode);
        Assert.Equal("prometheus", child.Name);
        Assert.Equal("config error: no such file", child.Output);
    }

    [Fact]
    public async Task A_program_whose_escaped_grandchild_holds_its_output_open_is_still_seen_to_exit()
    {
        // The subshell's sleep outlives it, reparented outside the tree, with the pipes still open: the output never ends.
        SkipUnlessLinux();
        var escaped = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var child = Start(SpawnsAGrandchild(escaped) with { Arguments = ["-c", "(sleep 300 & echo $!); echo started; exit 4"] });
        var pid = await escaped.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        await child.Exited.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.True(IsAlive(pid), "the escaped sleep should still hold the pipes");
        Assert.Equal(4, child.ExitCode);
        Assert.Equal(["started"], child.OutputTail.Where(l => !int.TryParse(l, CultureInfo.InvariantCulture, out _)));
    }

    [Fact]
    public async Task A_program_killed_by_a_signal_has_128_plus_the_signal_as_its_exit_code()
    {
        SkipUnlessLinux();
        await using var child = Start(Options("/bin/sh", "-c", "kill -TERM $$; sleep 5"));

        await child.Exited.WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(128 + 15, child.ExitCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_process_id_is_the_programs_own_whether_or_not_it_dies_with_its_parent(bool dieWithParent)
    {
        // Signals go to this pid: were it a wrapper's (setpriv), SIGTERM would not reach the program.
        SkipUnlessLinux();
        await using var child = Start(Options("sleep", "300") with { DieWithParent = dieWithParent });
        var deadline = TimeProvider.System.GetTimestamp();
        while (Command(child.ProcessId) != "sleep" && TimeProvider.System.GetElapsedTime(deadline) < Deadline)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal("sleep", Command(child.ProcessId));
        Assert.False(await child.StopAsync(TimeSpan.FromMinutes(1)).WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(128 + 15, child.ExitCode);
    }

    [Fact]
    public void A_program_that_does_not_exist_cannot_be_started()
    {
        SkipUnlessLinux();
        Assert.Throws<Win32Exception>(() => ChildProcess.Start(Options(_dir.File("no-such-program"))));
    }

    private ChildProcessOptions Options(string executable, params string[] arguments) =>
        new() { Executable = executable, Arguments = arguments, Time = _time };

    private ChildProcessOptions SpawnsAGrandchild(TaskCompletionSource<int> grandchild) =>
        Options("/bin/sh", "-c", "sleep 300 & echo $!; echo started; wait") with
        {
            OnOutput = line =>
            {
                if (int.TryParse(line.Line, CultureInfo.InvariantCulture, out var pid))
                {
                    lock (_pids)
                    {
                        _pids.Add(pid);
                    }

                    grandchild.TrySetResult(pid);
                }
            },
        };

    private ChildProcess Start(ChildProcessOptions options)
    {
        var child = ChildProcess.Start(options);
        _pids.Add(child.ProcessId);
        return child;
    }

    private static void SkipUnlessLinux() => Assert.SkipUnless(OperatingSystem.IsLinux(), "uses /bin/sh and /proc");

    /// <summary>Waits for <paramref name="pid"/> to be gone (a zombie counts as gone: it has ended and only waits to be reaped).</summary>
    private static async Task AssertGoneAsync(int pid)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (IsAlive(pid) && TimeProvider.System.GetElapsedTime(started) < Deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(IsAlive(pid), $"process {pid} ({Command(pid)}) was left running");
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
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
