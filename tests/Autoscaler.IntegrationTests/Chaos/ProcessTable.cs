using System.Globalization;
using System.Runtime.InteropServices;

namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>What the chaos tests need of Linux's process table: children by parent, liveness, and signals.</summary>
internal static partial class ProcessTable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>The live processes whose parent is <paramref name="parent"/>, with their command lines.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> ChildrenOf(int parent)
    {
        var children = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } stat && stat.Parent == parent && stat.State is not ('Z' or 'X'))
            {
                children.Add((pid, CommandLine(pid)));
            }
        }

        return children;
    }

    /// <summary>True while <paramref name="pid"/> runs (a zombie has ended: it only waits to be reaped).</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { State: not ('Z' or 'X') };

    /// <summary>The process's state letter (R, S, T for stopped, Z for a zombie), or null when it is gone.</summary>
    public static char? State(int pid) => Stat(pid)?.State;

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    public static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> when the process still runs; for finally blocks.</summary>
    public static void TrySignal(int pid, int signal) => _ = Kill(pid, signal);

    private static (char State, int Parent)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // "pid (comm) S ppid …": comm may hold spaces and parentheses, so read after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
