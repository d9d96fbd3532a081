using Autoscaler.Targets.Compose;

namespace Autoscaler.Targets.Tests.Compose;

public sealed class ComposeCommandLineTests
{
    // One line of `docker compose ps --format json` (Compose 2.21 and later print one object per line).
    private const string RunningLine = """{"Command":"\"autoscaler webapp --urls http://0.0.0.0:8000\"","CreatedAt":"2025-01-10 10:00:00 +0000 UTC","ExitCode":0,"Health":"healthy","ID":"4f2c9d1e7a3b","Image":"autoscaler:local","Name":"autoscaler-webapp-1","Networks":"autoscaler_default","Project":"autoscaler","Publishers":[{"URL":"","TargetPort":8000,"PublishedPort":0,"Protocol":"tcp"}],"RunningFor":"2 minutes ago","Service":"webapp","State":"running","Status":"Up 2 minutes (healthy)"}""";

    [Fact]
    public void Scale_runs_up_detached_without_recreating_for_the_service_only()
    {
        var args = ComposeCommandLine.Scale(new ComposeTargetOptions(), 3);

        Assert.Equal(["docker", "compose", "up", "-d", "--no-recreate", "--scale", "webapp=3", "webapp"], args);
    }

    [Fact]
    public void Project_options_come_before_the_subcommand_in_the_order_Compose_documents()
    {
        var options = new ComposeTargetOptions
        {
            Command = "docker-compose",
            Files = ["deploy/compose/docker-compose.yml", "override.yml"],
            ProjectName = "autoscaler",
            ProjectDirectory = "/srv/app",
            Service = "api",
        };

        Assert.Equal(
            ["docker-compose", "-f", "deploy/compose/docker-compose.yml", "-f", "override.yml", "-p", "autoscaler", "--project-directory", "/srv/app",
                "up", "-d", "--no-recreate", "--scale", "api=0", "api"],
            ComposeCommandLine.Scale(options, 0));
        Assert.Equal(
            ["docker-compose", "-f", "deploy/compose/docker-compose.yml", "-f", "override.yml", "-p", "autoscaler", "--project-directory", "/srv/app", "ps", "-q", "api"],
            ComposeCommandLine.Ps(options, ComposePsFormat.Ids));
        Assert.Equal(["docker-compose", "version", "--short"], ComposeCommandLine.Version(options));
    }

    [Fact]
    public void Ps_asks_for_json_unless_told_to_list_ids()
    {
        var options = new ComposeTargetOptions { Command = "  podman   compose " };

        Assert.Equal(["podman", "compose", "ps", "--format", "json", "webapp"], ComposeCommandLine.Ps(options, ComposePsFormat.Json));
        Assert.Equal(["podman", "compose", "ps", "-q", "webapp"], ComposeCommandLine.Ps(options, ComposePsFormat.Ids));
    }

    [Theory]
    [InlineData("1.29.2\n", ComposePsFormat.Ids)]
    [InlineData("2.32.4\n", ComposePsFormat.Json)]
    [InlineData("v2.0.1", ComposePsFormat.Json)]
    [InlineData("5.0.0", ComposePsFormat.Json)]
    [InlineData("something else", ComposePsFormat.Json)]
    public void The_version_decides_how_containers_are_counted(string version, ComposePsFormat expected) =>
        Assert.Equal(expected, ComposeCommandLine.FormatForVersion(version));

    [Fact]
    public void Json_lines_count_only_running_containers_of_the_service()
    {
        var output = string.Join('\n',
            RunningLine,
            RunningLine.Replace("\"webapp-1\"", "\"webapp-2\"", StringComparison.Ordinal),
            RunningLine.Replace("\"State\":\"running\"", "\"State\":\"exited\"", StringComparison.Ordinal),
            RunningLine.Replace("\"State\":\"running\"", "\"State\":\"restarting\"", StringComparison.Ordinal),
            RunningLine.Replace("\"Service\":\"webapp\"", "\"Service\":\"gateway\"", StringComparison.Ordinal),
            "");

        Assert.Equal(2, ComposeCommandLine.CountRunning(output, "webapp"));
    }

    [Fact]
    public void A_json_array_as_older_Compose_v2_prints_it_is_counted_the_same_way()
    {
        const string output = """
            [{"ID":"a1","Name":"autoscaler-webapp-1","Project":"autoscaler","Service":"webapp","State":"running","Health":"","ExitCode":0,"Publishers":null},
             {"ID":"a2","Name":"autoscaler-webapp-2","Project":"autoscaler","Service":"webapp","State":"running","Health":"","ExitCode":0,"Publishers":null},
             {"ID":"a3","Name":"autoscaler-webapp-3","Project":"autoscaler","Service":"webapp","State":"created","Health":"","ExitCode":0,"Publishers":null}]
            """;

        Assert.Equal(2, ComposeCommandLine.CountRunning(output, "webapp"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("[]")]
    public void No_containers_count_as_zero(string output) => Assert.Equal(0, ComposeCommandLine.CountRunning(output, "webapp"));

    [Fact]
    public void Output_that_is_not_json_is_reported_with_what_was_printed()
    {
        var e = Assert.Throws<FormatException>(() => ComposeCommandLine.CountRunning("NAME   IMAGE   STATUS\nweb-1  x  Up", "webapp"));

        Assert.StartsWith("unexpected output of ps --format json", e.Message, StringComparison.Ordinal);
        Assert.Contains("NAME   IMAGE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_counted_one_per_line()
    {
        const string output = "4f2c9d1e7a3b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d\n9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d4f2c9d1e7a3b5c6d7e8f\n";

        Assert.Equal(2, ComposeCommandLine.CountIds(output));
        Assert.Equal(0, ComposeCommandLine.CountIds(""));
        Assert.Throws<FormatException>(() => ComposeCommandLine.CountIds("ERROR: no such service\n"));
    }

    [Fact]
    public void An_error_summary_keeps_the_last_lines_of_stderr_on_one_line()
    {
        const string stderr = " Container autoscaler-webapp-2  Creating\n\n Container autoscaler-webapp-2  Error\nError response from daemon: driver failed\nexit status 1\n";

        Assert.Equal(
            "Container autoscaler-webapp-2  Error | Error response from daemon: driver failed | exit status 1",
            ComposeCommandLine.ErrorSummary(stderr));
        Assert.Equal("no error output", ComposeCommandLine.ErrorSummary("\n"));
    }

    [Fact]
    public void Of_a_Python_traceback_only_the_error_is_kept()
    {
        const string stderr = """
            Traceback (most recent call last):
              File "/usr/lib/python3/dist-packages/docker/api/client.py", line 221, in _retrieve_server_version
                raise DockerException(
            docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))
            """;

        Assert.Equal(
            "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))",
            ComposeCommandLine.ErrorSummary(stderr));
    }
}
