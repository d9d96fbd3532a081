using System.Collections.Concurrent;
using System.Diagnostics;
using Autoscaler.Targets.Local;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autoscaler.IntegrationTests.Targets;

public sealed class LocalProcessTargetTests
{
    private sealed class RecordingListener : IReplicaSetListener
    {
        public ConcurrentQueue<IReadOnlyList<Uri>> Sets { get; } = new();

        public IReadOnlyList<Uri> Last => Sets.LastOrDefault() ?? [];

        public Task ReplicasChangedAsync(IReadOnlyList<Uri> ready, CancellationToken cancellationToken)
        {
            Sets.Enqueue(ready);
            return Task.CompletedTask;
        }
    }

    private static LocalProcessTarget Target(RecordingListener listener, int firstPort) => new(
        new LocalTargetOptions { PortRangeStart = firstPort, PortRangeEnd = firstPort + 20, WebAppArguments = ["--service-time", "10ms"] },
        ["dotnet", AutoscalerProcess.DllPath],
        [listener],
        TimeProvider.System,
        NullLogger<LocalProcessTarget>.Instance);

    [Fact]
    public async Task Scaling_up_announces_ready_replicas_and_scaling_down_withdraws_before_stopping()
    {
        var listener = new RecordingListener();
        var target = Target(listener, 18101);
        List<int> pids;
        await using (target)
        {
            var up = await target.ScaleAsync(2, TestContext.Current.CancellationToken);
            Assert.True(up.Succeeded, up.Message);
            Assert.Equal(2, await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));
            Assert.Equal(2, listener.Last.Count);
            using var http = new HttpClient();
            foreach (var url in listener.Last)
            {
                var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
                Assert.Equal($"webapp-{url.Port}", response.Headers.GetValues("X-Instance-Id").Single());
            }

            pids = [.. target.Replicas.Select(r => r.Pid)];
            var newest = target.Replicas.OrderBy(r => r.Url.Port).Last();
            var down = await target.ScaleAsync(1, TestContext.Current.CancellationToken);
            Assert.True(down.Succeeded, down.Message);
            Assert.Equal(1, await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));
            Assert.DoesNotContain(newest.Url, listener.Last);
            Assert.Single(listener.Last);
        }

        Assert.Empty(listener.Last);
        Assert.All(pids, pid => Assert.True(IsGone(pid), $"replica {pid} outlived the target"));
    }

    [Fact]
    public async Task A_replica_killed_with_sigkill_is_withdrawn_and_replaced()
    {
        var listener = new RecordingListener();
        await using var target = Target(listener, 18131);
        Assert.True((await target.ScaleAsync(2, TestContext.Current.CancellationToken)).Succeeded);
        var victim = target.Replicas[0];

        Process.GetProcessById(victim.Pid).Kill();

        await WaitFor(() => !listener.Last.Contains(victim.Url) || target.Replicas.All(r => r.Pid != victim.Pid));
        await WaitFor(() => listener.Last.Count == 2 && target.Replicas.All(r => r.Pid != victim.Pid));
        Assert.Equal(2, await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));
        Assert.Contains(listener.Sets, set => set.Count == 1 && !set.Contains(victim.Url));
    }

    private static bool IsGone(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
