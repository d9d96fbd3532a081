using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>`autoscaler up` killed with SIGKILL, which it cannot catch: nothing it started may outlive it.</summary>
public sealed class UpKillChaosTests
{
    [Fact]
    public async Task Up_killed_with_sigkill_leaves_no_process_behind_and_the_next_up_starts_in_the_same_place()
    {
        using var dir = new TempDirectory("autoscaler-chaos-kill");
        var ports = ChaosPorts.Free();
        var first = await ChaosStack.StartAsync(dir.Path, ports);
        ChaosStack? next = null;
        IReadOnlyList<(int Pid, string CommandLine)> children = [];
        try
        {
            first.StartLoad();
            await LiveStack.WaitForAsync(() => Task.FromResult(first.ReplicaPids.Count >= 2), TimeSpan.FromSeconds(60), () => first.Tail());
            children = first.Children();
            Assert.Contains(children, c => c.CommandLine.Contains("prometheus --config.file", StringComparison.Ordinal));
            Assert.Contains(children, c => c.CommandLine.Contains("alertmanager --config.file", StringComparison.Ordinal));

            first.Process.Signal(ProcessTable.SigKill);
            await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await LiveStack.WaitForAsync(
                () => Task.FromResult(children.All(c => !ProcessTable.IsAlive(c.Pid))),
                TimeSpan.FromSeconds(20),
                () => "still running after up was killed: " + string.Join("; ", children.Where(c => ProcessTable.IsAlive(c.Pid)).Select(c => $"{c.Pid} {c.CommandLine}")));

            // Same directory, same ports: nothing is left holding either.
            next = await ChaosStack.StartAsync(dir.Path, ports);
            using var response = await next.Http.GetAsync(next.Gateway, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("in use", next.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            // Whatever this test started dies with it, even when up did not take its children along.
            foreach (var (pid, _) in children.Where(c => ProcessTable.IsAlive(c.Pid)))
            {
                ProcessTable.TrySignal(pid, ProcessTable.SigKill);
            }

            await first.DisposeAsync();
            if (next is not null)
            {
                await next.DisposeAsync();
            }
        }
    }
}
