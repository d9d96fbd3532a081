using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Core.Policies;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Leadership;
using k8s.LeaderElection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Autoscaler.Scaler.Tests.Leadership;

public sealed class LeadershipTests : IDisposable
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("leadership-");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<ScalerLoop> _log = new();
    private readonly CountingTarget _target = new(1);
    private readonly ScalerOptions _options = new();
    private readonly ScalerTelemetry _telemetry = new(Metrics.NewCustomRegistry());

    private string LockFile => Path.Combine(_directory.FullName, "scaler.lock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Always_leader_leads_may_always_act_and_names_itself_as_the_holder()
    {
        var leader = new AlwaysLeader("scaler-a");

        await leader.RunAsync(TestContext.Current.CancellationToken);

        Assert.True(leader.IsLeader);
        Assert.True(leader.CanAct(DateTimeOffset.MaxValue));
        Assert.Equal(("scaler-a", "scaler-a"), (leader.Identity, leader.Holder));
    }

    [Fact]
    public void Of_two_scalers_on_one_lock_file_the_first_leads_and_the_second_stands_by_naming_it()
    {
        using var a = FileLock("scaler-a");
        using var b = FileLock("scaler-b");

        Assert.True(a.TryAcquire());
        Assert.False(b.TryAcquire());

        Assert.Equal((true, false), (a.IsLeader, b.IsLeader));
        Assert.Equal((true, false), (a.CanAct(_clock.GetUtcNow()), b.CanAct(_clock.GetUtcNow())));
        Assert.Equal("scaler-a", b.Holder);
        Assert.Equal("standby: scaler-a leads", Leaders.StandbyReason(b, _clock.GetUtcNow()));
    }

    [Fact]
    public async Task A_standby_takes_the_lock_file_at_its_first_retry_after_the_leader_lets_go()
    {
        using var a = FileLock("scaler-a");
        using var b = FileLock("scaler-b");
        Assert.True(a.TryAcquire());
        var gained = new List<bool>();
        b.Changed += gained.Add;
        using var stop = new CancellationTokenSource();
        var campaign = b.RunAsync(stop.Token);

        _clock.Advance(Retry);
        _clock.Advance(Retry);
        Assert.False(b.IsLeader);

        a.Release();
        Assert.False(b.IsLeader);
        _clock.Advance(Retry);
        await WaitFor(() => b.IsLeader);
        Assert.Equal("scaler-b", b.Holder);
        Assert.False(a.TryAcquire());
        Assert.Equal("scaler-b", a.Holder);

        await stop.CancelAsync();
        await campaign;
        Assert.False(b.IsLeader);
        Assert.Equal([true, false], gained);
        Assert.True(a.TryAcquire());
    }

    [Fact]
    public async Task A_standby_reads_and_decides_but_never_calls_the_target_and_its_decisions_say_who_leads()
    {
        using var a = FileLock("scaler-a");
        using var b = FileLock("scaler-b");
        Assert.True(a.TryAcquire());
        Assert.False(b.TryAcquire());
        var source = new FixedSource(0.9);
        var loop = Loop(source, b);

        var first = await loop.EvaluateAsync(TestContext.Current.CancellationToken);
        var second = await loop.EvaluateAsync(TestContext.Current.CancellationToken);

        Assert.Equal((0, 2), (_target.ScaleCalls, source.Reads));
        Assert.Equal(2, first!.Decision.DesiredReplicas);
        Assert.Null(first.Action);
        Assert.Equal("standby: scaler-a leads", first.Standby);
        Assert.Equal("standby: scaler-a leads", second!.Standby);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message == "Standby: would scale from 1 -> 2 (0.9 above 0.6); standby: scaler-a leads, the target is not called");

        // The same loop leads once the lock is its own, and acts at once.
        a.Release();
        Assert.True(b.TryAcquire());
        var third = await loop.EvaluateAsync(TestContext.Current.CancellationToken);
        Assert.Null(third!.Standby);
        Assert.Equal((1, 2), (_target.ScaleCalls, _target.Replicas));
    }

    [Fact]
    public async Task A_leader_whose_lease_lapses_between_deciding_and_acting_does_not_act()
    {
        var store = new LeaseStore();
        var leadership = Lease(store, "scaler-a");
        using var stop = new CancellationTokenSource();
        var campaign = leadership.RunAsync(stop.Token);
        await WaitFor(() => leadership.IsLeader);

        // The target hangs the clock past the renew deadline while the loop decides: the partition comes mid-evaluation.
        store.Hang = true;
        await WaitFor(() => store.HungCalls > 0);
        var source = new FixedSource(0.9) { OnRead = () => _clock.Advance(TimeSpan.FromSeconds(10)) };
        var loop = Loop(source, leadership);

        var entry = await loop.EvaluateAsync(TestContext.Current.CancellationToken);

        Assert.True(leadership.IsLeader);
        Assert.Equal(0, _target.ScaleCalls);
        Assert.Equal(2, entry!.Decision.DesiredReplicas);
        Assert.Equal("standby: scaler-a's claim on the Lease test/autoscaler has lapsed (not renewed in time)", entry.Standby);
        store.Hang = false;
        await stop.CancelAsync();
        await campaign;
    }

    [Fact]
    public async Task A_lease_holder_may_act_only_until_its_last_renewal_plus_the_renew_deadline_even_while_its_elector_still_leads()
    {
        var store = new LeaseStore();
        var leadership = Lease(store, "scaler-a");
        Assert.False(leadership.CanAct(_clock.GetUtcNow()));
        using var stop = new CancellationTokenSource();
        var campaign = leadership.RunAsync(stop.Token);
        await WaitFor(() => leadership.IsLeader);
        Assert.Equal("scaler-a", store.Record!.HolderIdentity);

        // Partitioned: renewals hang and never return.
        store.Hang = true;
        await WaitFor(() => store.HungCalls > 0);
        var renewed = leadership.LastRenewal!.Value;
        _clock.SetUtcNow(renewed + TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.True(leadership.CanAct(_clock.GetUtcNow()));

        _clock.SetUtcNow(renewed + TimeSpan.FromSeconds(10));

        Assert.False(leadership.CanAct(_clock.GetUtcNow()));
        Assert.True(leadership.IsLeader);

        store.Hang = false;
        await stop.CancelAsync();
        await campaign;
        Assert.False(leadership.IsLeader);
    }

    [Fact]
    public async Task A_leader_that_stops_cleanly_hands_the_lease_back_and_a_standby_takes_it_at_its_next_retry()
    {
        var store = new LeaseStore();
        var a = Lease(store, "scaler-a");
        var b = Lease(store, "scaler-b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var first = a.RunAsync(stopA.Token);
        await WaitFor(() => a.IsLeader);
        var second = b.RunAsync(stopB.Token);
        await WaitFor(() => b.Holder == "scaler-a");

        await stopA.CancelAsync();
        await first;

        // Well within the 15 s lease: b did not wait for it to run out.
        await WaitFor(() => b.IsLeader);
        Assert.False(a.CanAct(_clock.GetUtcNow()));
        Assert.Equal("scaler-b", store.Record!.HolderIdentity);
        Assert.Equal(1, store.Record.LeaderTransitions);
        await stopB.CancelAsync();
        await second;
        Assert.Equal("", store.Record!.HolderIdentity);
    }

    [Fact]
    public async Task A_lease_held_by_another_keeps_this_scaler_a_standby_that_names_the_holder()
    {
        var store = new LeaseStore();
        var a = Lease(store, "scaler-a");
        var b = Lease(store, "scaler-b");
        using var stop = new CancellationTokenSource();
        var first = a.RunAsync(stop.Token);
        await WaitFor(() => a.IsLeader);
        var second = b.RunAsync(stop.Token);

        await WaitFor(() => b.Holder == "scaler-a");

        Assert.False(b.IsLeader);
        Assert.False(b.CanAct(_clock.GetUtcNow()));
        Assert.Equal("standby: scaler-a leads", Leaders.StandbyReason(b, _clock.GetUtcNow()));
        await stop.CancelAsync();
        await Task.WhenAll(first, second);
    }

    private FileLockLeadership FileLock(string identity) => new(LockFile, identity, Retry, _clock, NullLogger<FileLockLeadership>.Instance);

    private KubernetesLeaseLeadership Lease(LeaseStore store, string identity) =>
        new(new MemoryLeaseLock(store, identity), "Lease test/autoscaler",
            new LeaseTimings(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20)), _clock, NullLogger.Instance);

    private ScalerLoop Loop(IMetricSource source, ILeadership leadership)
    {
        var pipeline = new DecisionPipeline([new PolicyBinding("avg_rt", new ThresholdPolicy(_options.ToThresholds()))], _options.ToLimits(), _clock);
        var state = new ScalerState(_target.Name, "avg_rt", _options.Query);
        return new ScalerLoop(_target, new ScalingStep(pipeline, [source]), _options, state, _telemetry, _clock, _log, leadership);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    private sealed class FixedSource(double value) : IMetricSource
    {
        public int Reads { get; private set; }

        public Action? OnRead { get; init; }

        public string Name => "avg_rt";

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken)
        {
            Reads++;
            OnRead?.Invoke();
            return ValueTask.FromResult(MetricReading.Ok("avg_rt", value));
        }
    }

    private sealed class CountingTarget(int replicas) : IScaleTarget
    {
        public int Replicas { get; private set; } = replicas;

        public int ScaleCalls { get; private set; }

        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            ScaleCalls++;
            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }
    }

    /// <summary>One Lease record shared by the scalers' locks, as the API server keeps it.</summary>
    private sealed class LeaseStore
    {
        public LeaderElectionRecord? Record { get; set; }

        public volatile bool Hang;

        private int _hungCalls;

        public int HungCalls => Volatile.Read(ref _hungCalls);

        public async Task HangIfAsked(CancellationToken cancellationToken)
        {
            // As an HTTP call would: a cancelled elector sends nothing more.
            cancellationToken.ThrowIfCancellationRequested();
            if (Hang)
            {
                Interlocked.Increment(ref _hungCalls);
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }

    private sealed class MemoryLeaseLock(LeaseStore store, string identity) : ILock
    {
        public string Identity => identity;

        public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
        {
            await store.HangIfAsked(cancellationToken);
            lock (store)
            {
                return store.Record is { } r ? Copy(r) : null!;
            }
        }

        public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            await store.HangIfAsked(cancellationToken);
            lock (store)
            {
                if (store.Record is not null)
                {
                    return false;
                }

                store.Record = Copy(record);
                return true;
            }
        }

        public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            await store.HangIfAsked(cancellationToken);
            lock (store)
            {
                store.Record = Copy(record);
                return true;
            }
        }

        public string Describe() => "test/autoscaler";

        private static LeaderElectionRecord Copy(LeaderElectionRecord r) => new()
        {
            HolderIdentity = r.HolderIdentity,
            AcquireTime = r.AcquireTime,
            RenewTime = r.RenewTime,
            LeaseDurationSeconds = r.LeaseDurationSeconds,
            LeaderTransitions = r.LeaderTransitions,
        };
    }
}
