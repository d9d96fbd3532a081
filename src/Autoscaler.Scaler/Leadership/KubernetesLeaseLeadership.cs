using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Leadership;

/// <summary>The Lease election's timings (client-go's and KubernetesClient's defaults: 15 s, 10 s, 2 s).</summary>
/// <param name="LeaseDuration">How long the others wait after the last renewal they saw before taking the Lease over.</param>
/// <param name="RenewDeadline">How long the leader keeps trying to renew before it gives up leading; also how long after
/// its last successful renewal it may act (shorter than the lease duration, so it stops before anyone else may start).</param>
/// <param name="RetryPeriod">Time between attempts, the leader's renewals and the standbys' tries alike.</param>
public sealed record LeaseTimings(TimeSpan LeaseDuration, TimeSpan RenewDeadline, TimeSpan RetryPeriod)
{
    /// <summary>15 s, 10 s, 2 s.</summary>
    public static LeaseTimings Default { get; } = new(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
}

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease with KubernetesClient's <see cref="LeaderElector"/>. On top of
/// the elector it fences: the leader may act only until its last successful acquire or renew plus the renew deadline
/// (timed from before the request was sent), checked on <see cref="TimeProvider"/> right before each scale call. A leader
/// that was paused or partitioned past that does not act when it wakes, even before its elector notices; since the
/// renew deadline is shorter than the lease duration, it has stopped before any standby may take the Lease.
/// </summary>
public sealed partial class KubernetesLeaseLeadership : ILeadership
{
    private readonly RenewTrackingLock _lock;
    private readonly LeaderElector _elector;
    private readonly LeaseTimings _timings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile bool _leader;
    private string? _lastError;

    /// <summary>Elects on the Lease <paramref name="name"/> in <paramref name="namespace"/> through <paramref name="client"/>.</summary>
    public KubernetesLeaseLeadership(IKubernetes client, string @namespace, string name, string identity, LeaseTimings timings, TimeProvider time, ILogger<KubernetesLeaseLeadership> logger)
        : this(new LeaseLock(client, @namespace, name, identity), $"Lease {@namespace}/{name}", timings, time, logger)
    {
    }

    internal KubernetesLeaseLeadership(ILock resourceLock, string description, LeaseTimings timings, TimeProvider time, ILogger logger)
    {
        _lock = new RenewTrackingLock(resourceLock, time);
        _timings = timings;
        _time = time;
        _logger = logger;
        Description = description;
        _elector = new LeaderElector(new LeaderElectionConfig(_lock)
        {
            LeaseDuration = timings.LeaseDuration,
            RenewDeadline = timings.RenewDeadline,
            RetryPeriod = timings.RetryPeriod,
        });
        _elector.OnStartedLeading += () =>
        {
            _leader = true;
            LogStartedLeading(_logger, Identity, Description);
            Changed?.Invoke(true);
        };
        _elector.OnStoppedLeading += () =>
        {
            _leader = false;
            LogStoppedLeading(_logger, Identity, Description);
            Changed?.Invoke(false);
        };
        _elector.OnNewLeader += holder => LogNewLeader(_logger, holder, Description);
        _elector.OnError += e => NoteError(e.Message);
    }

    /// <inheritdoc />
    public string Identity => _lock.Identity;

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public bool IsLeader => _leader;

    /// <inheritdoc />
    public string? Holder => _elector.GetLeader();

    /// <summary>When the last acquire or renew that succeeded was sent, or null before the first.</summary>
    public DateTimeOffset? LastRenewal => _lock.LastRenewal;

    /// <inheritdoc />
    public event Action<bool>? Changed;

    /// <inheritdoc />
    public bool CanAct(DateTimeOffset now) => _leader && _lock.LastRenewal is { } renewed && now < renewed + _timings.RenewDeadline;

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _elector.RunAndTryToHoldLeadershipForeverAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The elector gives up on errors it does not expect (an API server that cannot be reached): start it again.
                NoteError(e.Message);
                try
                {
                    await Task.Delay(_timings.RetryPeriod, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await ReleaseAsync();
    }

    /// <summary>
    /// On a clean stop (SIGTERM, a rolling update), hands the Lease back: holder empty, duration 1 s, so a standby takes
    /// it at its next retry instead of a whole lease duration later, as client-go's ReleaseOnCancel does. The loop has
    /// stopped before this runs (hosted services stop in reverse order). A Lease that changed meanwhile is left alone
    /// (the update carries the resourceVersion this scaler last wrote, so the API server refuses it with 409).
    /// </summary>
    private async Task ReleaseAsync()
    {
        if (_elector.GetLeader() != Identity)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        try
        {
            // Bounded: a scaler cut off from the API server must still stop promptly (its Lease then simply runs out).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(5, _timings.RenewDeadline.TotalSeconds)));
            var released = await _lock.ReleaseAsync(new LeaderElectionRecord
            {
                HolderIdentity = "",
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaderTransitions = _lock.LastWritten?.LeaderTransitions ?? 0,
            }, timeout.Token);
            if (released)
            {
                LogReleased(_logger, Identity, Description);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            NoteError($"could not hand the Lease back: {e.Message}");
        }
    }

    private void NoteError(string message)
    {
        if (message != _lastError)
        {
            _lastError = message;
            LogElectionError(_logger, Description, message);
        }
    }

    /// <summary>Notes when each acquire or renew that succeeded was sent: the start of the claim it gives.</summary>
    private sealed class RenewTrackingLock(ILock inner, TimeProvider time) : ILock
    {
        private long _lastRenewalTicks = long.MinValue;

        public string Identity => inner.Identity;

        public DateTimeOffset? LastRenewal => Interlocked.Read(ref _lastRenewalTicks) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);

        public Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default) => inner.GetAsync(cancellationToken);

        public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            var sent = time.GetUtcNow();
            return Note(await inner.CreateAsync(record, cancellationToken), record, sent);
        }

        public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
        {
            var sent = time.GetUtcNow();
            return Note(await inner.UpdateAsync(record, cancellationToken), record, sent);
        }

        public string Describe() => inner.Describe();

        /// <summary>Writes <paramref name="record"/> without counting it as a renewal: the claim ends here.</summary>
        public Task<bool> ReleaseAsync(LeaderElectionRecord record, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _lastRenewalTicks, long.MinValue);
            return inner.UpdateAsync(record, cancellationToken);
        }

        /// <summary>The last record this scaler wrote as the holder.</summary>
        public LeaderElectionRecord? LastWritten { get; private set; }

        private bool Note(bool succeeded, LeaderElectionRecord record, DateTimeOffset sent)
        {
            if (succeeded && record.HolderIdentity == inner.Identity)
            {
                LastWritten = record;
                Interlocked.Exchange(ref _lastRenewalTicks, sent.UtcTicks);
            }

            return succeeded;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Leading: {Identity} holds the {Lease}")]
    private static partial void LogStartedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost the {Lease}; standing by")]
    private static partial void LogStoppedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Holder} leads on the {Lease}")]
    private static partial void LogNewLeader(ILogger logger, string holder, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} handed the {Lease} back on stopping")]
    private static partial void LogReleased(ILogger logger, string identity, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader election on the {Lease}: {Message}")]
    private static partial void LogElectionError(ILogger logger, string lease, string message);
}
