using Autoscaler.Targets.Compose;
using Autoscaler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Autoscaler.Targets.Tests.Compose;

/// <summary>
/// The process plumbing of <see cref="ComposeTarget"/>: arguments reach the program, output and exit codes come
/// back, timeouts stop it. There is no Docker engine on the machines these tests run on, so the program is a fake
/// `docker` shell script that answers like Compose (it keeps the scaled count in a file). It is named by its full
/// path rather than put on PATH, because PATH is shared by every test running in parallel. Whether real Compose
/// accepts these command lines is checked where an engine runs them (the Compose stack, see docs/deployment.md).
/// </summary>
public sealed class ComposeTargetProcessTests : IDisposable
{
    private const string FakeDocker = """
        #!/bin/sh
        # A stand-in for `docker compose` that records each call and keeps the scaled count in a file.
        dir=$(dirname "$0")
        echo "$*" >> "$dir/calls.log"
        [ -f "$dir/fail" ] && { echo " Container demo-webapp-2  Creating" >&2; cat "$dir/fail" >&2; exit 17; }
        [ -f "$dir/hang" ] && exec sleep 60
        [ -f "$dir/noplugin" ] && { echo "docker: unknown command: docker compose" >&2; exit 1; }
        [ "$1" = "compose" ] || { echo "unknown command: docker $1" >&2; exit 1; }
        shift
        case " $* " in
          *" version --short "*) cat "$dir/version" ;;
          *" up "*)
            n=$(echo "$*" | sed -n 's/.*--scale webapp=\([0-9]*\).*/\1/p')
            : > "$dir/containers"
            i=1
            while [ "$i" -le "$n" ]; do
              printf '{"ID":"%064d","Name":"demo-webapp-%d","Service":"webapp","State":"running"}\n' "$i" "$i" >> "$dir/containers"
              i=$((i + 1))
            done ;;
          *" ps --format json "*) cat "$dir/containers" 2>/dev/null || true ;;
          *" ps -q "*) sed -n 's/.*"ID":"\([0-9]*\)".*/\1/p' "$dir/containers" 2>/dev/null || true ;;
          *) echo "unexpected: $*" >&2; exit 2 ;;
        esac
        """;

    private readonly TempDirectory _dir = new("compose-target");

    public ComposeTargetProcessTests()
    {
        _dir.Executable("docker", FakeDocker.ReplaceLineEndings("\n") + "\n");
        File.WriteAllText(_dir.File("version"), "2.32.4\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Scaling_runs_up_and_then_reads_the_running_count_from_ps()
    {
        var target = Target();

        var result = await target.ScaleAsync(3, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(3, result.Replicas);
        Assert.Equal("3 containers of webapp running", result.Message);
        Assert.Equal(3, await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));
        Assert.Equal(
            [
                "compose -p demo up -d --no-recreate --scale webapp=3 webapp",
                "compose version --short",
                "compose -p demo ps --format json webapp",
                "compose -p demo ps --format json webapp",
            ],
            Calls());
    }

    [Fact]
    public async Task Docker_compose_1_x_is_asked_for_container_ids()
    {
        File.WriteAllText(_dir.File("version"), "1.29.2\n");
        var target = Target();

        await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal(2, await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));
        Assert.Contains("compose -p demo ps -q webapp", Calls());
    }

    [Fact]
    public async Task A_failing_up_is_a_failed_action_naming_the_command_exit_code_and_error()
    {
        var target = Target();
        await target.ScaleAsync(1, TestContext.Current.CancellationToken);
        File.WriteAllText(_dir.File("fail"), "Error response from daemon: Conflict. The container name is already in use\n");

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(-1, result.Replicas);
        Assert.Equal(
            $"`{_dir.File("docker")} compose -p demo up -d --no-recreate --scale webapp=2 webapp` exited with code 17: "
                + "Container demo-webapp-2  Creating | Error response from daemon: Conflict. The container name is already in use",
            result.Message);
    }

    [Fact]
    public async Task A_failing_ps_makes_reading_the_count_throw_with_the_error()
    {
        var target = Target();
        File.WriteAllText(_dir.File("version"), "2.32.4\n");
        await target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken);
        File.WriteAllText(_dir.File("fail"), "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));

        Assert.Contains("ps --format json webapp` exited with code 17:", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Is the docker daemon running?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_docker_without_the_compose_plugin_gets_a_hint()
    {
        var target = Target();
        File.WriteAllText(_dir.File("noplugin"), "");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));

        Assert.Equal(
            $"`{_dir.File("docker")} compose version --short` exited with code 1: docker: unknown command: docker compose "
                + "(the Compose plugin is missing: install it, or set --compose-command docker-compose)",
            e.Message);
    }

    [Fact]
    public async Task A_command_that_hangs_is_stopped_after_the_timeout()
    {
        var target = Target(o => (o.ScaleTimeout, o.QueryTimeout, o.PsFormat) = (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), ComposePsFormat.Json));
        File.WriteAllText(_dir.File("hang"), "");

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.EndsWith("up -d --no-recreate --scale webapp=2 webapp` did not finish within 1 s and was stopped", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_is_not_installed_is_named_with_what_to_install()
    {
        var target = new ComposeTarget(new ComposeTargetOptions { Command = "docker-not-installed-here compose" }, TimeProvider.System, NullLogger<ComposeTarget>.Instance);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => target.GetCurrentReplicasAsync(TestContext.Current.CancellationToken));

        Assert.Equal(
            "'docker-not-installed-here' is not installed (not found on PATH); install Docker with the Compose plugin, or set ComposeTarget:Command (--compose-command), e.g. docker-compose",
            e.Message);
    }

    [Fact]
    public void The_validator_refuses_a_missing_command_file_or_directory_in_one_message()
    {
        var problems = new ComposeTargetOptionsValidator().Validate(ComposeTargetOptions.Section, new ComposeTargetOptions
        {
            Command = "docker-not-installed-here compose",
            Files = [_dir.File("missing.yml")],
            ProjectDirectory = _dir.File("nowhere"),
        });

        Assert.True(problems.Failed);
        Assert.Contains("ComposeTarget:Command = docker-not-installed-here compose: 'docker-not-installed-here' is not installed (not found on PATH)", problems.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"ComposeTarget:Files = {_dir.File("missing.yml")}: file not found", problems.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"ComposeTarget:ProjectDirectory = {_dir.File("nowhere")}: directory not found", problems.FailureMessage, StringComparison.Ordinal);
    }

    private ComposeTarget Target(Action<ComposeTargetOptions>? configure = null)
    {
        var options = new ComposeTargetOptions { Command = $"{_dir.File("docker")} compose", ProjectName = "demo" };
        configure?.Invoke(options);
        return new ComposeTarget(options, TimeProvider.System, NullLogger<ComposeTarget>.Instance);
    }

    private string[] Calls() => File.ReadAllLines(_dir.File("calls.log"));
}
