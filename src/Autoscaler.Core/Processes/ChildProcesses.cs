using System.Collections.Concurrent;
using System.Diagnostics;

namespace Autoscaler.Core.Processes;

/// <summary>
/// Starts child programs that must not outlive this process, even when it is killed with SIGKILL and can clean
/// nothing up. On Linux each is started through <c>setpriv --pdeathsig TERM</c> (util-linux), which sets
/// <c>prctl(PR_SET_PDEATHSIG)</c> and then executes the program itself, so the process id is the program's: the kernel
/// sends it SIGTERM when its parent goes. .NET cannot set that flag between fork and exec, hence the wrapper.
/// </summary>
/// <remarks>
/// The kernel's "parent" here is the thread that forked the child, not the process: a child started from a thread-pool
/// thread would be sent SIGTERM when the pool retires that thread after it idles. So every start runs on one dedicated
/// thread that lives as long as the process.
/// </remarks>
public static class ChildProcesses
{
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Starts = [];
    private static readonly Lazy<string?> SetPriv = new(() => OperatingSystem.IsLinux() ? Executables.Find("setpriv") : null);

    static ChildProcesses()
    {
        var spawner = new Thread(Spawn) { IsBackground = true, Name = "child-process spawner" };
        spawner.Start();
    }

    /// <summary>True when children get the parent-death signal (Linux with util-linux's <c>setpriv</c>).</summary>
    public static bool DieWithParent => SetPriv.Value is not null;

    /// <summary>Why children may outlive a killed parent here, for a warning; null when they cannot.</summary>
    public static string? WhyNotDieWithParent =>
        DieWithParent ? null
        : OperatingSystem.IsLinux() ? "setpriv (util-linux) is not on PATH, so Prometheus and Alertmanager would outlive a killed `autoscaler up`; install util-linux"
        : "only Linux stops Prometheus and Alertmanager when `autoscaler up` is killed (SIGKILL); after one, stop them by hand";

    /// <summary>
    /// <paramref name="info"/> rewritten to start its program through <c>setpriv --pdeathsig TERM</c> where that is available;
    /// unchanged elsewhere. The program, its arguments, directory and environment stay the same.
    /// </summary>
    public static ProcessStartInfo DyingWithParent(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (SetPriv.Value is not { } setpriv)
        {
            return info;
        }

        var arguments = info.ArgumentList.ToList();
        info.ArgumentList.Clear();
        foreach (var argument in (string[])["--pdeathsig", "TERM", "--", info.FileName, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        info.FileName = setpriv;
        return info;
    }

    /// <summary>Starts <paramref name="process"/> (configured, handlers attached) on the dedicated thread and returns once it runs.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    public static void Start(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Starts.Add((process, started));
        started.Task.GetAwaiter().GetResult();
    }

    private static void Spawn()
    {
        foreach (var (process, started) in Starts.GetConsumingEnumerable())
        {
            try
            {
                process.Start();
                started.SetResult();
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
