using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// The Dockerfile's structure, read as text: no Docker engine is available where the tests run, so the image itself is
/// built where one is (docs/deployment.md). These checks catch what breaks a build silently: a stage or a copied path
/// that does not exist, a path the .dockerignore keeps out of the build context, and the promises the Compose file
/// relies on (one entry point for every verb, a non-root user, the tools the scaler calls).
/// </summary>
public sealed partial class DockerfileTests
{
    private readonly string[] _lines = Instructions(File.ReadAllText(RepositoryRoot.File("Dockerfile")));

    [Fact]
    public void It_is_a_multi_stage_build_from_the_NET_10_SDK_to_the_ASP_NET_Core_runtime()
    {
        var stages = Stages();

        Assert.Equal(("mcr.microsoft.com/dotnet/sdk:10.0", "publish"), stages.Single(s => s.Name == "publish"));
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", stages[^1].Image);
        Assert.Contains(_lines, l => l.StartsWith("RUN dotnet publish src/Autoscaler.Cli/Autoscaler.Cli.csproj", StringComparison.Ordinal));
        Assert.Contains("COPY --from=publish /out/ /app/", _lines);
    }

    [Fact]
    public void Every_COPY_from_a_stage_names_an_earlier_stage_or_an_image()
    {
        var seen = new List<string>();
        foreach (var line in _lines)
        {
            if (FromLine().Match(line) is { Success: true } from)
            {
                seen.Add(from.Groups[2].Value);
            }
            else if (CopyFrom().Match(line) is { Success: true } copy)
            {
                Assert.True(seen.Contains(copy.Groups[1].Value), $"'{line}' copies from a stage that is not defined above it");
            }
        }
    }

    [Fact]
    public void Every_path_copied_from_the_build_context_exists_and_is_not_ignored()
    {
        var ignored = File.ReadAllLines(RepositoryRoot.File(".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var sources = _lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();

        Assert.Contains("src/", sources);
        Assert.Contains("deploy/", sources);
        Assert.All(sources, source =>
        {
            var path = source.TrimEnd('/');
            Assert.True(File.Exists(RepositoryRoot.File(path)) || Directory.Exists(RepositoryRoot.File(path)), $"COPY {source}: not in the repository");
            Assert.False(ignored.Contains(path) || ignored.Contains(path.Split('/')[0]), $"COPY {source}: excluded by .dockerignore");
        });
    }

    [Fact]
    public void One_image_serves_every_verb_as_a_non_root_user_with_the_tools_the_scaler_calls()
    {
        Assert.Equal("ENTRYPOINT [\"autoscaler\"]", _lines.Last(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        Assert.Equal("USER $APP_UID", _lines.Last(l => l.StartsWith("USER", StringComparison.Ordinal)));
        Assert.Contains(_lines, l => l.StartsWith("RUN ln -s /app/autoscaler /usr/local/bin/autoscaler", StringComparison.Ordinal));
        var install = _lines.Single(l => l.Contains("apt-get install", StringComparison.Ordinal));
        Assert.Contains("ansible-core", install, StringComparison.Ordinal);
        Assert.Contains("curl", install, StringComparison.Ordinal);
        Assert.Contains(_lines, l => l.EndsWith("/usr/local/bin/docker", StringComparison.Ordinal));
        Assert.Contains(_lines, l => l.EndsWith("/usr/local/libexec/docker/cli-plugins/docker-compose", StringComparison.Ordinal));
    }

    [Fact]
    public void The_Compose_file_builds_this_Dockerfile_from_the_repository_root_for_every_autoscaler_service()
    {
        var built = DeployFiles.ComposeServices().Where(s => DeployFiles.Get(s.Value, "build") is not null).ToList();

        Assert.Equal(["gateway", "load", "scaler", "webapp"], built.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(built, s =>
        {
            Assert.Equal("../..", DeployFiles.Str(DeployFiles.Get(s.Value, "build", "context")));
            Assert.Equal("Dockerfile", DeployFiles.Str(DeployFiles.Get(s.Value, "build", "dockerfile")));
            Assert.Equal("autoscaler:latest", DeployFiles.Str(DeployFiles.Get(s.Value, "image")));
        });
    }

    private List<(string Image, string Name)> Stages() =>
        [.. _lines.Select(l => FromLine().Match(l)).Where(m => m.Success).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];

    /// <summary>Instructions one per line: continuations joined, comments and blank lines dropped.</summary>
    private static string[] Instructions(string text) =>
        [.. Continuation().Replace(text, " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => Spaces().Replace(l, " "))];

    [GeneratedRegex(@"^FROM (\S+) AS (\S+)$")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^COPY --from=(\S+) ")]
    private static partial Regex CopyFrom();

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex Continuation();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
