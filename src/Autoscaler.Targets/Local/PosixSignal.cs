using System.Runtime.InteropServices;

namespace Autoscaler.Targets.Local;

/// <summary>Sends POSIX signals; .NET can only SIGKILL a child, and a replica must get SIGTERM to drain.</summary>
internal static partial class PosixSignal
{
    public const int Term = 15;

    public static bool Send(int pid, int signal) => !OperatingSystem.IsWindows() && Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
