using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Deploy;

/// <summary>
/// The Dockerfile's structure, read as text (the image itself is built and run by the container test, from its
/// prebuilt stage: Containers/ComposeStackTests; the SDK stages need NuGet, which build containers cannot reach here).
/// These checks catch what breaks a build silently: a stage or a copied path
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
        Assert.Equal(("mcr.microsoft.com/dotnet/aspnet:10.0", "base"), stages.Single(s => s.Name == "base"));
        Assert.Contains(_lines, l => l.StartsWith("RUN dotnet publish src/Autoscaler.Cli/Autoscaler.Cli.csproj", StringComparison.Ordinal));

        // The default (last) stage: the runtime base plus what the publish stage built.
        Assert.Equal(("base", "runtime"), stages[^1]);
        Assert.Equal(["COPY --from=publish /out/ /app/"], Body("runtime"));
    }

    [Fact]
    public void The_prebuilt_stage_differs_from_the_default_only_by_where_the_application_comes_from()
    {
        // `docker build --target prebuilt` (tests/containers/run.sh): the same base, with scripts/build.sh's output
        // instead of the SDK stage's; BuildKit and buildah skip it in the default build, since nothing refers to it.
        Assert.Equal(("base", "prebuilt"), Stages().Single(s => s.Name == "prebuilt"));
        Assert.Equal(["COPY .autoscaler/bin/ /app/"], Body("prebuilt"));
        Assert.Contains("-o .autoscaler/bin", File.ReadAllText(RepositoryRoot.File("scripts/build.sh")), StringComparison.Ordinal);
        Assert.DoesNotContain(_lines, l => l.Contains("--from=prebuilt", StringComparison.Ordinal) || l == "FROM prebuilt" || l.StartsWith("FROM prebuilt ", StringComparison.Ordinal));

        // .dockerignore keeps .autoscaler/ out of the context except this folder: the exception comes last.
        var ignore = IgnorePatterns();
        Assert.Contains(".autoscaler", ignore);
        Assert.Equal("!.autoscaler/bin", ignore[^1]);
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
        var ignored = IgnorePatterns().ToHashSet(StringComparer.Ordinal);
        // The prebuilt stage copies build output, not a file of the repository (checked above).
        var sources = _lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).Where(s => s != ".autoscaler/bin/").ToList();

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
    public void The_publish_stage_installs_npm_which_builds_the_web_console_and_the_image_does_not_carry_it()
    {
        Assert.Contains(Stage("publish"), l => l.Contains("apt-get install", StringComparison.Ordinal) && l.Contains(" npm", StringComparison.Ordinal));
        Assert.DoesNotContain(Stage("base"), l => l.Contains("npm", StringComparison.Ordinal));
    }

    [Fact]
    public void One_image_serves_every_verb_as_a_non_root_user_with_the_tools_the_scaler_calls()
    {
        Assert.Equal("ENTRYPOINT [\"autoscaler\"]", _lines.Last(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        Assert.Equal("USER $APP_UID", _lines.Last(l => l.StartsWith("USER", StringComparison.Ordinal)));
        Assert.Contains(_lines, l => l.StartsWith("RUN ln -s /app/autoscaler /usr/local/bin/autoscaler", StringComparison.Ordinal));
        var install = Stage("base").Single(l => l.Contains("apt-get install", StringComparison.Ordinal));
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

    private static List<string> IgnorePatterns() =>
        [.. File.ReadAllLines(RepositoryRoot.File(".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.TrimEnd('/'))];

    /// <summary>The instructions of one stage, after its FROM line.</summary>
    private List<string> Body(string stage) =>
        [.. _lines.SkipWhile(l => !l.EndsWith(" AS " + stage, StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal))];

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

    // The lines of one stage (after its FROM, up to the next FROM); RUN lines continued with \ are joined.
    private IEnumerable<string> Stage(string name) =>
        _lines.SkipWhile(l => !(l.StartsWith("FROM", StringComparison.Ordinal) && l.EndsWith($" AS {name}", StringComparison.Ordinal))).Skip(1)
            .TakeWhile(l => !l.StartsWith("FROM", StringComparison.Ordinal));
}
