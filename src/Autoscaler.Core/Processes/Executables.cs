namespace Autoscaler.Core.Processes;

/// <summary>Finds programs the way a shell does.</summary>
public static class Executables
{
    /// <summary>
    /// The full path of <paramref name="nameOrPath"/>: itself when it names an executable file, else the first
    /// executable match on PATH; null when absent (or when <paramref name="nameOrPath"/> is blank).
    /// </summary>
    public static string? Find(string? nameOrPath)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath))
        {
            return null;
        }

        if (nameOrPath.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(nameOrPath) ? Path.GetFullPath(nameOrPath) : null;
        }

        var suffixes = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", "" } : [""];
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var suffix in suffixes)
            {
                var candidate = Path.Combine(directory, nameOrPath + suffix);
                if (IsExecutable(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        return OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
