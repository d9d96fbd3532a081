using Autoscaler.Targets.Ansible;
using Autoscaler.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Targets.Tests.Ansible;

/// <summary>
/// The Ansible target's own logic on a fake clock, with a fake runner in place of ansible-playbook: the circuit, the
/// command line, the messages. The real program is exercised in <see cref="RealAnsibleTests"/>.
/// </summary>
public sealed class AnsibleTargetTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger _log = new();
    private readonly TempDirectory _dir = new("autoscaler-ansible");
    private readonly FakeRunner _runner;
    private readonly AnsibleTargetOptions _options;
    private readonly int _replicas = 1;

    public AnsibleTargetTests()
    {
        _runner = new FakeRunner(_clock);
        // Present and executable, so the target's checks pass; the fake runner never starts it.
        var binary = _dir.Executable("ansible-playbook", "#!/bin/sh\nexit 99\n");
        var playbook = _dir.File("scale.yml");
        File.WriteAllText(playbook, "- hosts: localhost\n  tasks: []\n");
        _options = new AnsibleTargetOptions
        {
            Playbook = playbook,
            BinaryPath = binary,
            CircuitFailureThreshold = 3,
            CircuitInitialBackoff = TimeSpan.FromSeconds(10),
            CircuitMaxBackoff = TimeSpan.FromSeconds(80),
        };
    }

    public void Dispose() => _dir.Dispose();

    private AnsibleTarget Target() => new(_options, _ => Task.FromResult(_replicas), _runner, _clock, _log);

    [Fact]
    public async Task A_failed_run_reports_the_failing_tasks_message_and_the_count_read_afterwards()
    {
        using var target = Target();

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(1, result.Replicas);
        Assert.Equal("task \"Set the replica count\" failed on localhost: the scaler said no", result.Message);
    }

    [Fact]
    public async Task Three_consecutive_failures_open_the_circuit_and_no_run_starts_until_the_backoff_has_passed()
    {
        using var target = Target();
        var token = TestContext.Current.CancellationToken;

        for (var i = 0; i < 3; i++)
        {
            await target.ScaleAsync(2, token);
        }

        Assert.True(target.CircuitOpen);
        Assert.Contains("circuit open after 3 consecutive failed runs", (await target.ScaleAsync(2, token)).Message, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromSeconds(9.9));
        var refused = await target.ScaleAsync(2, token);
        Assert.Equal(3, target.Runs);
        Assert.False(refused.Succeeded);
        Assert.Equal(
            "circuit open after 3 consecutive failed runs: no ansible-playbook run before 12:00:10Z (back-off 10s) (last failure: task \"Set the replica count\" failed on localhost: the scaler said no)",
            refused.Message);
        Assert.Single(_log.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.StartsWith("Ansible circuit open after 3", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        await target.ScaleAsync(2, token);
        Assert.Equal(4, target.Runs);
    }

    [Fact]
    public async Task The_backoff_doubles_after_each_failed_trial_and_stops_at_the_cap_so_an_hour_of_ticks_runs_the_playbook_50_times()
    {
        using var target = Target();
        var token = TestContext.Current.CancellationToken;

        // One evaluation a second for an hour, every one asking to scale, against a playbook that always fails.
        for (var second = 0; second < 3600; second++)
        {
            await target.ScaleAsync(2, token);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var started = _runner.Runs.Select(r => (int)(r.At - new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero)).TotalSeconds).ToList();
        // Three failures in a row, then trials after 10, 20, 40 and 80 s, then every 80 s (the cap).
        Assert.Equal([0, 1, 2, 12, 32, 72, 152, 232, 312], started.Take(9));
        Assert.All(started.Skip(6).Zip(started.Skip(7)), pair => Assert.Equal(80, pair.Second - pair.First));
        Assert.Equal(50, target.Runs);
    }

    [Fact]
    public async Task A_success_closes_the_circuit_and_it_takes_three_new_failures_to_open_it_again()
    {
        using var target = Target();
        var token = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            await target.ScaleAsync(2, token);
        }

        _clock.Advance(TimeSpan.FromSeconds(10));
        _runner.Result = _ => FakeRunner.Succeeding();
        var ok = await target.ScaleAsync(2, token);

        Assert.True(ok.Succeeded);
        Assert.Equal(2, ok.Replicas);
        Assert.False(target.CircuitOpen);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Message == "Ansible circuit closed: the playbook succeeded again");

        _runner.Result = _ => FakeRunner.Failing("Set the replica count", "down again");
        await target.ScaleAsync(3, token);
        await target.ScaleAsync(3, token);
        Assert.False(target.CircuitOpen);
        var third = await target.ScaleAsync(3, token);
        Assert.True(target.CircuitOpen);
        Assert.Equal(7, target.Runs);
        Assert.EndsWith("(back-off 10s)", third.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_success_reports_the_playbooks_recap_and_the_new_count()
    {
        using var target = Target();
        _runner.Result = _ => FakeRunner.Succeeding(changed: 1);

        var result = await target.ScaleAsync(4, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal(4, result.Replicas);
        Assert.Equal("ansible-playbook scale.yml set 4 replicas (ok=4 changed=1) in 1.0 s", result.Message);
    }

    [Fact]
    public async Task The_command_line_is_logged_with_the_count_last_and_secrets_masked()
    {
        _options.Inventory = "localhost,";
        _options.ExtraVars["scaler_url"] = "http://127.0.0.1:8080";
        _options.ExtraVars["compose_cmd"] = "docker compose";
        _options.ExtraVars["api_token"] = "s3cret";
        using var target = new AnsibleTarget(_options, _ => Task.FromResult(1), _runner, _clock, _log, new Dictionary<string, string> { ["AUTOSCALER_API_TOKEN"] = "t0ken" });

        await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        var command = Assert.Single(_runner.Runs).Command;
        Assert.Equal(
            [_options.Playbook!, "-i", "localhost,", "-e", "scaler_url=http://127.0.0.1:8080", "-e", "{\"compose_cmd\":\"docker compose\"}", "-e", "api_token=s3cret", "-e", "target_replicas=2"],
            command.Arguments);
        var running = Assert.Single(_log.Collector.GetSnapshot(), r => r.Message.StartsWith("Running: ", StringComparison.Ordinal));
        Assert.Equal(
            $"Running: {_options.BinaryPath} {_options.Playbook} -i localhost, -e scaler_url=http://127.0.0.1:8080 -e '{{\"compose_cmd\":\"docker compose\"}}' -e api_token=*** -e target_replicas=2",
            running.Message);
        Assert.DoesNotContain(_log.Collector.GetSnapshot(), r => r.Message.Contains("s3cret", StringComparison.Ordinal) || r.Message.Contains("t0ken", StringComparison.Ordinal));
        Assert.Equal("t0ken", command.Environment["AUTOSCALER_API_TOKEN"]);
        Assert.Equal("1", command.Environment["ANSIBLE_NOCOLOR"]);
        Assert.Equal("0", command.Environment["ANSIBLE_FORCE_COLOR"]);
        Assert.Equal("default", command.Environment["ANSIBLE_STDOUT_CALLBACK"]);
        Assert.Equal(TimeSpan.FromMinutes(2), command.Timeout);
    }

    [Fact]
    public async Task A_run_killed_at_the_timeout_names_the_timeout_and_the_task_it_was_at()
    {
        _options.Timeout = TimeSpan.FromSeconds(30);
        using var target = Target();
        _runner.Result = _ => new PlaybookRun(null, ["TASK [Wait for the replicas] ****", "TASK [Scale webapp] *******"], TimeSpan.FromSeconds(30));

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal("ansible-playbook did not finish within 30s, so it was killed with every process it started (it was at task \"Scale webapp\")", result.Message);
    }

    [Fact]
    public async Task A_missing_ansible_playbook_says_what_to_install_and_counts_as_a_failure()
    {
        _options.BinaryPath = "ansible-playbook-not-here";
        using var target = Target();

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal("cannot find ansible-playbook-not-here on PATH; install Ansible with `apt-get install ansible-core` (macOS: `brew install ansible`)", result.Message);
        Assert.Empty(_runner.Runs);
        await target.ScaleAsync(2, TestContext.Current.CancellationToken);
        await target.ScaleAsync(2, TestContext.Current.CancellationToken);
        Assert.True(target.CircuitOpen);
    }

    [Fact]
    public async Task A_missing_playbook_is_named()
    {
        _options.Playbook = _dir.File("gone.yml");
        using var target = Target();

        var result = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.StartsWith($"the playbook {_dir.File("gone.yml")} does not exist; check --playbook", result.Message, StringComparison.Ordinal);
        Assert.Empty(_runner.Runs);
    }

    [Fact]
    public void Options_refuse_target_replicas_as_an_extra_var_a_bad_name_and_a_backoff_above_its_cap()
    {
        _options.ExtraVars["target_replicas"] = "3";
        _options.ExtraVars["compose-file"] = "x";
        _options.CircuitInitialBackoff = TimeSpan.FromMinutes(10);

        var result = new AnsibleTargetOptionsValidator().Validate("AnsibleTarget", _options);

        Assert.Equal(
        [
            "AnsibleTarget:CircuitInitialBackoff = 00:10:00: must not exceed AnsibleTarget:CircuitMaxBackoff = 00:01:20",
            "AnsibleTarget:ExtraVars:target_replicas: set by the scaler on every run; leave it out",
            "AnsibleTarget:ExtraVars:compose-file: not a valid Ansible variable name (letters, digits, _; not starting with a digit)",
        ], result.Failures);
    }
}
