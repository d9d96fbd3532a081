namespace Autoscaler.Testing;

/// <summary>
/// For tests that start a real program (prometheus, promtool, alertmanager, ansible-playbook): finds it, or
/// fails the test with what to install when <c>CI=true</c>, and skips it with the same message otherwise.
/// </summary>
public static class RequiredBinary
{
    /// <summary>The full path of <paramref name="name"/> on PATH (or the path itself when it names a file).</summary>
    /// <param name="name">Program name, e.g. <c>prometheus</c>.</param>
    /// <param name="install">How to install it, e.g. <c>apt-get install prometheus</c>.</param>
    public static string Find(string name, string install)
    {
        var path = Lookup(name);
        if (path is not null)
        {
            return path;
        }

        var message = $"{name} is not installed (not found on PATH); install it with `{install}`";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
        return null!;
    }

    private static string? Lookup(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }
}
