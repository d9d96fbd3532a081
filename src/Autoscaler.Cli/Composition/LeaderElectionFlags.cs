using System.CommandLine;
using Autoscaler.Core.Time;
using Autoscaler.Scaler.Leadership;
using Autoscaler.Targets.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Autoscaler.Cli.Composition;

/// <summary><c>--leader-election</c> and its flags: how two or more scalers on one target pick the one that acts.</summary>
internal sealed class LeaderElectionFlags
{
    private static readonly LeaderElectionOptions Defaults = new();

    private readonly Option<string?> _mode = CreateMode();
    private readonly Option<string?> _lock = new("--leader-lock") { Description = "With --leader-election file: the lock file (on a local file system); the scaler holding an exclusive lock on it leads, the others stand by" };
    private readonly Option<string?> _lease = new("--leader-lease") { Description = $"With --leader-election kubernetes: the coordination.k8s.io/v1 Lease's name [default: {Defaults.Lease}]" };
    private readonly Option<string?> _leaseNamespace = new("--leader-lease-namespace") { Description = "With --leader-election kubernetes: the Lease's namespace [default: POD_NAMESPACE, else the target's or kubeconfig context's, else default]" };
    private readonly Option<TimeSpan?> _leaseDuration = VerbOptions.Duration("--leader-lease-duration", $"With --leader-election kubernetes: how long standbys wait after the leader's last renewal before taking over, whole seconds [default: {Durations.Format(Defaults.LeaseDuration)}]");
    private readonly Option<TimeSpan?> _renewDeadline = VerbOptions.Duration("--leader-renew-deadline", $"With --leader-election kubernetes: how long after its last renewal the leader may still scale, shorter than the lease duration [default: {Durations.Format(Defaults.RenewDeadline)}]");
    private readonly Option<TimeSpan?> _retryPeriod = VerbOptions.Duration("--leader-retry-period", $"With --leader-election file or kubernetes: time between a standby's attempts and the leader's renewals [default: {Durations.Format(Defaults.RetryPeriod)}]");
    private readonly Option<string?> _identity = new("--leader-identity") { Description = "With --leader-election file or kubernetes: this scaler's name in the election [default: POD_NAME, else HOST-PID]" };

    public IEnumerable<Option> All => [_mode, _lock, _lease, _leaseNamespace, _leaseDuration, _renewDeadline, _retryPeriod, _identity];

    private static Option<string?> CreateMode()
    {
        var option = new Option<string?>("--leader-election")
        {
            Description = "Run several scalers on one target, one acting and the others standing by (they decide but do not scale, and take over when it dies): "
                + "none (a single scaler), file (an OS lock on --leader-lock, one host), kubernetes (a Lease, --leader-lease) [default: none]",
        };
        option.AcceptOnlyFromAmong(LeaderElectionOptions.Modes);
        return option;
    }

    /// <summary>Binds and validates; a flag that means nothing in the chosen mode is a problem, as is a lock file in a missing directory.</summary>
    public LeaderElectionOptions Bind(ParseResult parse, OptionsLoader loader)
    {
        var options = loader.Bind<LeaderElectionOptions>(LeaderElectionOptions.Section, o =>
        {
            parse.IfGiven(_mode, v => o.Mode = v!);
            parse.IfGiven(_lock, v => o.LockFile = v);
            parse.IfGiven(_lease, v => o.Lease = v!);
            parse.IfGiven(_leaseNamespace, v => o.LeaseNamespace = v);
            parse.IfGiven(_leaseDuration, v => o.LeaseDuration = v!.Value);
            parse.IfGiven(_renewDeadline, v => o.RenewDeadline = v!.Value);
            parse.IfGiven(_retryPeriod, v => o.RetryPeriod = v!.Value);
            parse.IfGiven(_identity, v => o.Identity = v);
        }, new LeaderElectionOptionsValidator());

        IEnumerable<Option> misplaced = options.Mode switch
        {
            LeaderElectionOptions.File => [_lease, _leaseNamespace, _leaseDuration, _renewDeadline],
            LeaderElectionOptions.Kubernetes => [_lock],
            _ => [_lock, _lease, _leaseNamespace, _leaseDuration, _renewDeadline, _retryPeriod, _identity],
        };
        foreach (var flag in misplaced.Where(f => parse.GetResult(f) is { Implicit: false }))
        {
            var needs = flag == _lock ? "file" : flag == _retryPeriod || flag == _identity ? "file or kubernetes" : "kubernetes";
            loader.Problem($"{flag.Name} needs --leader-election {needs} (it is {options.Mode})");
        }

        return options;
    }

    /// <summary>
    /// The election the options ask for. With a Lease, <paramref name="kube"/> (the Kubernetes target's options, when that
    /// is the target) gives the kubeconfig, context and namespace; otherwise the usual search (KUBECONFIG, the pod's
    /// service account, ~/.kube/config). Credentials that cannot work are a usage error (exit code 2).
    /// </summary>
    public static ILeadership Create(LeaderElectionOptions options, KubernetesTargetOptions? kube, ILoggerFactory loggers)
    {
        var identity = string.IsNullOrWhiteSpace(options.Identity) ? Leaders.DefaultIdentity() : options.Identity;
        switch (options.Mode)
        {
            case LeaderElectionOptions.File:
                if (FileLockLeadership.FileLockingDisabled)
                {
                    throw new UsageException("--leader-election file needs .NET's file locking, which DOTNET_SYSTEM_IO_DISABLEFILELOCKING (or System.IO.DisableFileLocking) turns off: unset it");
                }

                var path = Path.GetFullPath(options.LockFile!);
                Console.Out.WriteLine($"leader election on the lock file {path} as {identity}");
                return new FileLockLeadership(path, identity, options.RetryPeriod, TimeProvider.System, loggers.CreateLogger<FileLockLeadership>());

            case LeaderElectionOptions.Kubernetes:
                (k8s.Kubernetes Client, string Namespace, string Server, string Source) connection;
                try
                {
                    connection = KubernetesTarget.ConnectClient(kube ?? new KubernetesTargetOptions());
                }
                catch (KubernetesConfigurationException e)
                {
                    throw new UsageException($"--leader-election kubernetes: {e.Message}");
                }

                var @namespace = !string.IsNullOrWhiteSpace(options.LeaseNamespace) ? options.LeaseNamespace
                    : Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } pod ? pod
                    : connection.Namespace;
                Console.Out.WriteLine($"leader election on the Lease {@namespace}/{options.Lease} at {connection.Server} ({connection.Source}) as {identity}");
                return new KubernetesLeaseLeadership(connection.Client, @namespace, options.Lease, identity, options.Timings, TimeProvider.System, loggers.CreateLogger<KubernetesLeaseLeadership>());

            default:
                return new AlwaysLeader(identity);
        }
    }
}

/// <summary>The rules of <see cref="LeaderElectionOptions"/> that compare fields or look at the file system.</summary>
internal sealed class LeaderElectionOptionsValidator : IValidateOptions<LeaderElectionOptions>
{
    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions options)
    {
        var problems = new List<string>();
        if (!LeaderElectionOptions.Modes.Contains(options.Mode))
        {
            problems.Add($"{name}:Mode = {options.Mode}: use none, file or kubernetes");
        }

        if (options.Identity is { } identity && (string.IsNullOrWhiteSpace(identity) || identity.Length > 128))
        {
            problems.Add($"{name}:Identity = '{identity}': give a name of 1 to 128 characters (--leader-identity)");
        }

        if (options.RetryPeriod <= TimeSpan.Zero)
        {
            problems.Add($"{name}:RetryPeriod = {Durations.Format(options.RetryPeriod)}: must be more than 0 (--leader-retry-period)");
        }

        if (options.Mode == LeaderElectionOptions.File)
        {
            if (string.IsNullOrWhiteSpace(options.LockFile))
            {
                problems.Add($"{name}:LockFile is not set: --leader-election file needs --leader-lock FILE");
            }
            else if (Directory.Exists(options.LockFile))
            {
                problems.Add($"{name}:LockFile = {options.LockFile}: is a directory; name a file in it (--leader-lock)");
            }
            else if (Path.GetDirectoryName(Path.GetFullPath(options.LockFile)) is { } directory && !Directory.Exists(directory))
            {
                problems.Add($"{name}:LockFile = {options.LockFile}: its directory {directory} does not exist (--leader-lock)");
            }
        }

        if (options.Mode == LeaderElectionOptions.Kubernetes)
        {
            if (!KubernetesNames.IsObjectName(options.Lease))
            {
                problems.Add($"{name}:Lease = {options.Lease}: not a Kubernetes object name (lower-case letters, digits, '-' and '.', at most 253) (--leader-lease)");
            }

            if (options.LeaseNamespace is { Length: > 0 } ns && !KubernetesNames.IsNamespace(ns))
            {
                problems.Add($"{name}:LeaseNamespace = {ns}: not a Kubernetes namespace (lower-case letters, digits and '-', at most 63) (--leader-lease-namespace)");
            }

            // The Lease stores its duration in whole seconds.
            if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                problems.Add($"{name}:LeaseDuration = {Durations.Format(options.LeaseDuration)}: must be a whole number of seconds, at least 1s (--leader-lease-duration)");
            }

            if (options.RenewDeadline <= TimeSpan.Zero || options.RenewDeadline >= options.LeaseDuration)
            {
                problems.Add($"{name}:RenewDeadline = {Durations.Format(options.RenewDeadline)}: must be more than 0 and less than the lease duration {Durations.Format(options.LeaseDuration)}, "
                    + "so a leader that cannot renew stops acting before a standby may take over (--leader-renew-deadline)");
            }

            if (options.RetryPeriod > TimeSpan.Zero && options.RetryPeriod >= options.RenewDeadline)
            {
                problems.Add($"{name}:RetryPeriod = {Durations.Format(options.RetryPeriod)}: must be less than the renew deadline {Durations.Format(options.RenewDeadline)}, "
                    + "so the leader can retry a failed renewal in time (--leader-retry-period)");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
