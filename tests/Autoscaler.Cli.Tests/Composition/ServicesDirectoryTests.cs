using Autoscaler.Cli.Composition;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Fleet;
using Autoscaler.Scaler;
using Autoscaler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Autoscaler.Cli.Tests.Composition;

/// <summary>
/// <c>--services DIR</c> followed with a fake clock: files added, changed (policy, target), made invalid, removed and
/// renamed, and what the fleet and the targets see of each.
/// </summary>
public sealed class ServicesDirectoryTests : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _dir = new("services");
    private readonly FakeTimeProvider _clock = new();
    private readonly ScalerFleet _fleet;
    private readonly ServicesDirectory _directory;
    private readonly List<RecordingTarget> _created = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _following;

    public ServicesDirectoryTests()
    {
        _fleet = new ScalerFleet(Metrics.NewCustomRegistry(), _clock, NullLoggerFactory.Instance);
        var kinds = new TargetKinds(() => new Targets.Local.LocalTargetOptions());
        Directory.CreateDirectory(Services);
        _directory = new ServicesDirectory(
            Services, kinds, _fleet,
            (file, _) =>
            {
                var target = new RecordingTarget(file.Name);
                _created.Add(target);
                return Task.FromResult(new ScalerTarget(target, target, TargetKinds.KeyOf(file.TargetKind, file.TargetOptions), target.DisposeAsync));
            },
            (file, target) => new ServiceSetup(file.Name, file.Policy, target.Target, read => new NothingToRead(read.Name), new ScalerOptions(), target.ReplicaSet) { Source = file.Path },
            _clock,
            NullLogger.Instance);
        WritePolicy("shop-policy.yaml", max: 6);
        WritePolicy("search-policy.yaml", max: 4);
    }

    [Fact]
    public async Task A_new_file_starts_its_service_and_a_changed_policy_replaces_it_on_the_same_target()
    {
        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 8110}\n");
        await FollowAsync();
        Assert.Equal(["shop"], _fleet.Services.Select(s => s.Name));
        Assert.Equal(6, _fleet.Find("shop")!.Setup.Policy.MaxReplicas);

        WriteService("search.yaml", "policy: search-policy.yaml\ntarget: {kind: local, portRangeStart: 8111, portRangeEnd: 8120}\n");
        WritePolicy("shop-policy.yaml", max: 9); // the policy file, not the service file, changed
        await TickAsync();

        Assert.Equal(["search", "shop"], _fleet.Services.Select(s => s.Name));
        Assert.Equal(9, _fleet.Find("shop")!.Setup.Policy.MaxReplicas);
        Assert.Equal(["shop", "search"], _created.Select(t => t.Service)); // shop's target was kept
        Assert.Same(_created[0], _fleet.Find("shop")!.Setup.Target);
    }

    [Fact]
    public async Task A_changed_target_gets_a_new_target_at_the_old_count_and_the_old_one_is_let_go()
    {
        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 8110}\n");
        await FollowAsync();
        await _created[0].ScaleAsync(3, CancellationToken.None);

        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8201, portRangeEnd: 8210}\n");
        await TickAsync();

        Assert.Equal(2, _created.Count);
        Assert.Same(_created[1], _fleet.Find("shop")!.Setup.Target);
        Assert.Equal(3, _created[1].Replicas);
        Assert.True(_created[0].Disposed);
    }

    [Fact]
    public async Task An_invalid_file_is_reported_and_the_service_keeps_its_last_good_version_until_it_is_fixed()
    {
        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 8110}\n");
        await FollowAsync();
        var running = _fleet.Find("shop");

        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 99999}\nreplicas: 3\n");
        await TickAsync();

        Assert.Same(running, _fleet.Find("shop"));
        var problem = _fleet.ProblemOf("shop")!;
        Assert.Equal(Service("shop.yaml"), problem.File);
        Assert.Contains("shop.yaml:3: replicas: unknown field", problem.Message, StringComparison.Ordinal);
        Assert.Contains("PortRangeEnd", problem.Message, StringComparison.Ordinal);

        WriteService("shop.yaml", "policy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 8110}\ndryRun: true\n");
        await TickAsync();
        Assert.Null(_fleet.ProblemOf("shop"));
        Assert.NotSame(running, _fleet.Find("shop"));
        Assert.Single(_created);
    }

    [Fact]
    public async Task A_new_file_that_is_invalid_starts_nothing_and_is_listed_with_its_problem()
    {
        WriteService("cart.yaml", "policy: missing.yaml\n");
        await FollowAsync();

        Assert.Empty(_fleet.Services);
        Assert.Contains("missing.yaml", _fleet.ProblemOf("cart")!.Message, StringComparison.Ordinal);
        Assert.Empty(_created);
    }

    [Fact]
    public async Task A_removed_file_stops_its_loop_and_leaves_its_replicas_and_a_renamed_one_is_the_same_service()
    {
        WriteService("shop.yaml", "name: shop\npolicy: shop-policy.yaml\ntarget: {kind: local, portRangeStart: 8101, portRangeEnd: 8110}\n");
        WriteService("search.yaml", "policy: search-policy.yaml\ntarget: {kind: local, portRangeStart: 8111, portRangeEnd: 8120}\n");
        await FollowAsync();
        await _created[1].ScaleAsync(2, CancellationToken.None);

        File.Move(Service("shop.yaml"), Service("shop-v2.yaml"));
        File.Delete(Service("search.yaml"));
        await TickAsync();

        Assert.Equal(["shop"], _fleet.Services.Select(s => s.Name));
        Assert.Equal(Service("shop-v2.yaml"), _fleet.Find("shop")!.Setup.Source);
        Assert.Equal(2, _created.Count); // the rename built no new target
        Assert.False(_created[0].Disposed);
        Assert.False(_created[1].Disposed); // search's replicas are left as they are
        Assert.Equal(2, _created[1].Replicas);
    }

    [Fact]
    public async Task Two_files_naming_one_service_the_second_is_refused_until_the_first_goes()
    {
        WriteService("a.yaml", "name: shop\npolicy: shop-policy.yaml\n");
        WriteService("b.yaml", "name: shop\npolicy: search-policy.yaml\n");
        await FollowAsync();

        Assert.Equal(6, _fleet.Find("shop")!.Setup.Policy.MaxReplicas);
        Assert.Equal($"service shop is already defined by {Service("a.yaml")}; give this one another name", _fleet.ProblemOf("shop")!.Message);

        File.Delete(Service("a.yaml"));
        await TickAsync();
        Assert.Equal(4, _fleet.Find("shop")!.Setup.Policy.MaxReplicas);
        Assert.Null(_fleet.ProblemOf("shop"));
    }

    private void WritePolicy(string name, int max) => File.WriteAllText(_dir.File(name), $$"""
        minReplicas: 1
        maxReplicas: {{max}}
        metrics:
          - name: rps
            query: sum(rate(webapp_requests_total[30s]))
            target: {value: 40, type: AverageValue}
        """);

    // The policies sit one level up: every *.yaml of the services directory is a service.
    private string Services => _dir.File("services");

    private string Service(string name) => Path.Combine(Services, name);

    private void WriteService(string name, string text) =>
        File.WriteAllText(Service(name), text.Replace("policy: ", "policy: ../", StringComparison.Ordinal));

    private async Task FollowAsync()
    {
        await _directory.ScanAsync(CancellationToken.None);
        _following = _directory.RunAsync(Poll, _stop.Token);
    }

    // One poll interval on the fake clock, then until the scan it started has finished.
    private async Task TickAsync()
    {
        var before = _directory.Scans;
        _clock.Advance(Poll);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_directory.Scans == before)
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_following is not null)
        {
            await _following;
        }

        await _directory.DisposeAsync();
        await _fleet.DisposeAsync();
        _stop.Dispose();
        _dir.Dispose();
    }

    private sealed class RecordingTarget(string service) : IScaleTarget
    {
        public string Service => service;

        public int Replicas { get; private set; }

        public bool Disposed { get; private set; }

        public string Name => $"recording {service}";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(Replicas);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken)
        {
            Replicas = replicas;
            return Task.FromResult(new ScaleResult(true, replicas, "ok"));
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
