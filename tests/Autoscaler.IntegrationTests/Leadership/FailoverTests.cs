using System.Globalization;

namespace Autoscaler.IntegrationTests.Leadership;

/// <summary>
/// Two real scalers, one leader: the standby decides but never scales; SIGKILL the leader and the standby takes over and
/// scales; no scale action is ever sent twice. <c>bench/failover/run.sh</c> runs the same tests with 20 kills
/// (<c>FAILOVER_KILLS</c>) and a report file (<c>FAILOVER_REPORT</c>); here each runs two kills.
/// </summary>
public sealed class FailoverTests
{
    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("FAILOVER_KILLS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 2;

    [Fact]
    public async Task On_a_lock_file_the_standby_takes_over_when_the_leader_is_killed_and_no_action_is_sent_twice()
    {
        await using var rig = await FailoverRig.StartAsync("file");
        await RunKillsAsync(rig, Kills);
    }

    [Fact]
    public async Task On_a_lease_the_standby_takes_over_when_the_leader_is_killed_and_no_action_is_sent_twice()
    {
        await using var rig = await FailoverRig.StartAsync("kubernetes");
        await RunKillsAsync(rig, Kills);

        var lease = rig.Api.Lease(FailoverRig.Namespace, "autoscaler")!;
        Assert.Equal($"scaler-{Kills + 1}", lease["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Equal(3, lease["spec"]!["leaseDurationSeconds"]!.GetValue<int>());
        Assert.Equal(Kills, lease["spec"]!["leaseTransitions"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_leader_stopped_past_its_lease_does_not_scale_when_it_wakes_up()
    {
        await using var rig = await FailoverRig.StartAsync("kubernetes");
        var a = await rig.StartScalerAsync();
        await rig.WaitUntilAsync(() => rig.Replicas == 3, "first scale-up by scaler-1");
        var b = await rig.StartScalerAsync();
        await rig.WaitUntilAsync(async () => await rig.StatusAsync(b) is (false, "scaler-1"), "scaler-2 standing by for scaler-1");

        a.Process.Signal(19); // SIGSTOP: paused past its renew deadline and lease, as a long GC pause or a frozen VM would
        await rig.WaitUntilAsync(async () => await rig.StatusAsync(b) is (true, "scaler-2"), "scaler-2 leading while scaler-1 is stopped");
        rig.Reset();
        await rig.WaitUntilAsync(() => rig.Replicas == 3, "scale-up by scaler-2");

        // It wakes up to a Deployment that needs scaling: only the new leader may do it.
        rig.Reset();
        var woke = TimeProvider.System.GetTimestamp();
        a.Process.Signal(18); // SIGCONT
        await rig.WaitUntilAsync(() => rig.Replicas == 3, "scale-up after scaler-1 woke");
        await rig.WaitUntilAsync(async () => await rig.StatusAsync(a) is (false, "scaler-2"), "scaler-1 standing by for scaler-2");
        await Task.Delay(3 * FailoverRig.CheckInterval, TestContext.Current.CancellationToken);

        var after = rig.Patches().Where(p => p.Timestamp >= woke).ToList();
        Assert.True(after.Count == 1 && after[0].Sender == "scaler-2", $"after scaler-1 woke: {string.Join(", ", after.Select(p => p.Sender))}\n{rig.Outputs()}");
        Assert.DoesNotContain(rig.Patches(), p => p.Sender == "scaler-1" && p.Timestamp >= woke);
    }

    [Fact]
    public async Task A_leader_stopped_with_SIGTERM_hands_the_lease_back_and_the_standby_takes_it()
    {
        await using var rig = await FailoverRig.StartAsync("kubernetes");
        var a = await rig.StartScalerAsync();
        await rig.WaitUntilAsync(() => rig.Replicas == 3, "first scale-up by scaler-1");
        var b = await rig.StartScalerAsync();
        await rig.WaitUntilAsync(async () => await rig.StatusAsync(b) is (false, "scaler-1"), "scaler-2 standing by for scaler-1");

        a.Process.Signal(15);
        Assert.Equal(0, await a.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(("scaler-1", ""), rig.LeaseUpdates().Last(u => u.Sender == "scaler-1"));
        Assert.Contains("scaler-1 handed the Lease shop/autoscaler back on stopping", a.Process.Output, StringComparison.Ordinal);
        await rig.WaitUntilAsync(async () => await rig.StatusAsync(b) is (true, "scaler-2"), "scaler-2 leading after scaler-1 stopped");
        rig.Reset();
        await rig.WaitUntilAsync(() => rig.Replicas == 3, "scale-up by scaler-2");
        Assert.Equal("scaler-2", rig.Patches()[^1].Sender);
    }

    [Fact]
    public async Task Bad_leader_election_flags_are_one_line_with_exit_code_2()
    {
        var cases = new (string Expected, string[] Args)[]
        {
            ("LeaderElection:LockFile is not set: --leader-election file needs --leader-lock FILE", ["--leader-election", "file"]),
            ("LeaderElection:LockFile = /nonexistent/dir/scaler.lock: its directory /nonexistent/dir does not exist", ["--leader-election", "file", "--leader-lock", "/nonexistent/dir/scaler.lock"]),
            ("--leader-lock needs --leader-election file (it is none)", ["--leader-lock", "/tmp/scaler.lock"]),
            ("--leader-lease needs --leader-election kubernetes (it is file)", ["--leader-election", "file", "--leader-lock", "/tmp/scaler.lock", "--leader-lease", "x"]),
            ("LeaderElection:RenewDeadline = 20s: must be more than 0 and less than the lease duration 15s", ["--leader-election", "kubernetes", "--leader-renew-deadline", "20s"]),
            ("LeaderElection:LeaseDuration = 1.5s: must be a whole number of seconds", ["--leader-election", "kubernetes", "--leader-lease-duration", "1500ms", "--leader-renew-deadline", "1s", "--leader-retry-period", "200ms"]),
            ("LeaderElection:Lease = Auto_Scaler: not a Kubernetes object name", ["--leader-election", "kubernetes", "--leader-lease", "Auto_Scaler"]),
            ("Argument 'zookeeper' not recognized. Must be one of", ["--leader-election", "zookeeper"]),
        };
        foreach (var (expected, args) in cases)
        {
            await using var process = AutoscalerProcess.Start(["scaler", "--port", "0", .. args]);

            Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            var line = Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The first scaler leads and scales; each round starts a new standby, checks that it stands by (and that a
    /// hand-made change is answered once, by the leader), SIGKILLs the leader, makes a change, and times how long until
    /// the standby's PATCH. Every change must be answered by exactly one PATCH.
    /// </summary>
    private static async Task RunKillsAsync(FailoverRig rig, int kills)
    {
        var leader = await rig.StartScalerAsync();
        await rig.WaitUntilAsync(() => rig.Replicas == 3, $"first scale-up by {leader.Identity}");
        var changes = new List<long> { 0 };
        var failovers = new List<TimeSpan>();
        for (var round = 0; round < kills; round++)
        {
            var standby = await rig.StartScalerAsync();
            await rig.WaitUntilAsync(async () => await rig.StatusAsync(standby) is (false, var holder) && holder == leader.Identity, $"{standby.Identity} standing by for {leader.Identity}");
            Assert.Equal((true, leader.Identity), await rig.StatusAsync(leader));

            changes.Add(rig.Reset());
            await rig.WaitUntilAsync(() => rig.Replicas == 3, $"scale-up by {leader.Identity}");
            Assert.Equal(leader.Identity, rig.Patches()[^1].Sender);

            leader.Process.Signal(9);
            var killed = TimeProvider.System.GetTimestamp();
            changes.Add(rig.Reset());
            await rig.WaitUntilAsync(() => rig.Replicas == 3, $"scale-up by {standby.Identity} after {leader.Identity} was killed");
            var patch = rig.Patches()[^1];
            Assert.Equal(standby.Identity, patch.Sender);
            failovers.Add(TimeProvider.System.GetElapsedTime(killed, patch.Timestamp));
            await rig.WaitUntilAsync(async () => await rig.StatusAsync(standby) is (true, var holder) && holder == standby.Identity, $"{standby.Identity} reporting itself the leader");
            leader = standby;
        }

        // Let any late duplicate arrive before counting.
        await Task.Delay(2 * FailoverRig.CheckInterval, TestContext.Current.CancellationToken);
        var patches = rig.Patches();
        var duplicated = 0;
        for (var i = 0; i < changes.Count; i++)
        {
            var end = i + 1 < changes.Count ? changes[i + 1] : long.MaxValue;
            var answers = patches.Count(p => p.Timestamp >= changes[i] && p.Timestamp < end);
            duplicated += Math.Max(0, answers - 1);
            Assert.True(answers >= 1, $"change {i} was never answered\n{rig.Outputs()}");
        }

        Report(rig, failovers, duplicated);
        Assert.True(duplicated == 0, $"{duplicated} duplicated scale actions: {string.Join(", ", patches.Select(p => p.Sender))}\n{rig.Outputs()}");
    }

    private static void Report(FailoverRig rig, List<TimeSpan> failovers, int duplicated)
    {
        if (Environment.GetEnvironmentVariable("FAILOVER_REPORT") is not { Length: > 0 } file)
        {
            return;
        }

        var ms = failovers.Select(f => f.TotalMilliseconds).Order().ToList();
        var mode = rig.LeaseDuration == TimeSpan.Zero ? "file" : "kubernetes";
        // The lock file is free the moment the leader dies: a standby sees it at its next retry.
        var goal = (mode == "file" ? rig.RetryPeriod : rig.LeaseDuration) + FailoverRig.CheckInterval;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{mode}\t{ms.Count}\t{ms.Min():0}\t{ms[ms.Count / 2]:0}\t{ms.Max():0}\t{rig.RetryPeriod.TotalMilliseconds:0}\t{rig.LeaseDuration.TotalMilliseconds:0}\t{goal.TotalMilliseconds:0}\t{duplicated}");
        File.AppendAllLines(file, [line]);
    }
}
