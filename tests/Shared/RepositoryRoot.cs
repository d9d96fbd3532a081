namespace Autoscaler.Testing;

/// <summary>The repository the tests were built from, for tests that check shipped files (deploy/, Dockerfile).</summary>
public static class RepositoryRoot
{
    /// <summary>The nearest directory above the test binaries that holds <c>Autoscaler.slnx</c>.</summary>
    public static string Path { get; } = Find();

    /// <summary>A path below the repository root, given with forward slashes (<c>deploy/compose/docker-compose.yml</c>).</summary>
    public static string File(string relative) => System.IO.Path.Combine([Path, .. relative.Split('/')]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Autoscaler.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Autoscaler.slnx above {AppContext.BaseDirectory}");
    }
}
