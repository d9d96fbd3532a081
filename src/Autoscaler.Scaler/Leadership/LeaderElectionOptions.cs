namespace Autoscaler.Scaler.Leadership;

/// <summary>
/// How scalers on one target choose the one that acts (<c>--leader-election</c>; environment <c>LeaderElection__Mode=file</c>).
/// </summary>
public sealed class LeaderElectionOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "LeaderElection";

    /// <summary>No election: this scaler always acts (one scaler per target, as before).</summary>
    public const string None = "none";

    /// <summary>An OS file lock: active/standby on one host.</summary>
    public const string File = "file";

    /// <summary>A coordination.k8s.io/v1 Lease: active/standby in a cluster.</summary>
    public const string Kubernetes = "kubernetes";

    /// <summary>The modes, as <c>--leader-election</c> accepts them.</summary>
    public static readonly string[] Modes = [None, File, Kubernetes];

    /// <summary><see cref="None"/>, <see cref="File"/> or <see cref="Kubernetes"/>.</summary>
    public string Mode { get; set; } = None;

    /// <summary>With <see cref="File"/>: the lock file, on a local file system every scaler of the target sees.</summary>
    public string? LockFile { get; set; }

    /// <summary>With <see cref="Kubernetes"/>: the Lease's name.</summary>
    public string Lease { get; set; } = "autoscaler";

    /// <summary>With <see cref="Kubernetes"/>: the Lease's namespace; unset means <c>POD_NAMESPACE</c>, then the target's or kubeconfig context's, then <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>With <see cref="Kubernetes"/>: how long a standby waits after the last renewal it saw before taking over (whole seconds).</summary>
    public TimeSpan LeaseDuration { get; set; } = LeaseTimings.Default.LeaseDuration;

    /// <summary>With <see cref="Kubernetes"/>: how long after its last renewal the leader may still act; shorter than the lease duration.</summary>
    public TimeSpan RenewDeadline { get; set; } = LeaseTimings.Default.RenewDeadline;

    /// <summary>Time between attempts: a standby's tries to take the lock or Lease, the leader's renewals.</summary>
    public TimeSpan RetryPeriod { get; set; } = LeaseTimings.Default.RetryPeriod;

    /// <summary>This scaler's name in the election; unset means <c>POD_NAME</c>, else <c>HOST-PID</c>.</summary>
    public string? Identity { get; set; }

    /// <summary>The Lease timings these options give.</summary>
    public LeaseTimings Timings => new(LeaseDuration, RenewDeadline, RetryPeriod);
}
