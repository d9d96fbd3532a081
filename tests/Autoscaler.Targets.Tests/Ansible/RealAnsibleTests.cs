using System.Globalization;
using Autoscaler.Targets.Ansible;
using Autoscaler.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Targets.Tests.Ansible;

/// <summary>The real ansible-playbook: the shipped playbooks' syntax, a failing run, a run past its timeout, the Compose playbook's logic.</summary>
public sealed class RealAnsibleTests : IDisposable
{
    private readonly TempDirectory _dir = new("autoscaler-ansible");

    public void Dispose() => _dir.Dispose();

    private static string Shipped => Path.Combine(AppContext.BaseDirectory, "deploy", "ansible");

    public static TheoryData<string> ShippedPlaybooks() => [.. Directory.GetFiles(Shipped, "*.yml").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Fact]
    public void Both_playbooks_are_shipped()
    {
        Assert.Equal(["playbook-scale-local.yml", "playbook-scale.yml"], ShippedPlaybooks().Select(p => p.Data).ToArray());
    }

    [Theory]
    [MemberData(nameof(ShippedPlaybooks))]
    public async Task Every_shipped_playbook_passes_the_syntax_check(string name)
    {
        var (code, output) = await RunAsync("--syntax-check", Path.Combine(Shipped, name));

        Assert.True(code == 0, $"ansible-playbook --syntax-check {name} exited {code}:\n{output}");
        Assert.Contains($"playbook: {Path.Combine(Shipped, name)}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_playbook_is_reported_with_its_tasks_message_and_opens_the_circuit()
    {
        var playbook = Write("fail.yml", """
            - name: Scale the pool
              hosts: localhost
              connection: local
              gather_facts: false
              tasks:
                - name: Ask the load balancer
                  ansible.builtin.fail:
                    msg: "pool webapp is locked by another change"
            """);
        var clock = new FakeTimeProvider();
        using var target = new AnsibleTarget(
            new AnsibleTargetOptions { Playbook = playbook, CircuitFailureThreshold = 1, CircuitInitialBackoff = TimeSpan.FromMinutes(1) },
            _ => Task.FromResult(1), clock, new FakeLogger<AnsibleTarget>());

        var first = await target.ScaleAsync(2, TestContext.Current.CancellationToken);
        var second = await target.ScaleAsync(2, TestContext.Current.CancellationToken);

        Assert.False(first.Succeeded);
        Assert.StartsWith("task \"Ask the load balancer\" failed on localhost: pool webapp is locked by another change; circuit open after 1 consecutive failed runs", first.Message, StringComparison.Ordinal);
        Assert.False(second.Succeeded);
        Assert.StartsWith("circuit open after 1 consecutive failed runs", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, target.Runs);
    }

    [Fact]
    public async Task A_succeeding_playbook_gets_the_count_and_extra_vars_with_spaces_intact()
    {
        var record = _dir.File("record.txt");
        var playbook = Write("ok.yml", $$$"""
            - hosts: localhost
              connection: local
              gather_facts: false
              tasks:
                - name: Record what the scaler asked for
                  ansible.builtin.copy:
                    dest: {{{record}}}
                    content: "{{ target_replicas }} {{ compose_cmd }} {{ lookup('ansible.builtin.env', 'AUTOSCALER_API_TOKEN') }}"
            """);
        var options = new AnsibleTargetOptions { Playbook = playbook, ExtraVars = { ["compose_cmd"] = "docker compose" } };
        using var target = new AnsibleTarget(options, _ => Task.FromResult(1), TimeProvider.System, new FakeLogger<AnsibleTarget>(), new Dictionary<string, string> { ["AUTOSCALER_API_TOKEN"] = "t0ken" });

        var result = await target.ScaleAsync(3, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Message);
        Assert.Contains("(ok=1 changed=1)", result.Message, StringComparison.Ordinal);
        Assert.Equal("3 docker compose t0ken", await File.ReadAllTextAsync(record, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_playbook_past_its_timeout_is_killed_with_every_process_it_started()
    {
        // A sleep no other process on the machine runs, so the test can tell whether it survived.
        var marker = string.Create(CultureInfo.InvariantCulture, $"{300 + (Environment.ProcessId % 1000)}.{Random.Shared.Next(100, 999)}");
        var playbook = Write("slow.yml", $$"""
            - hosts: localhost
              connection: local
              gather_facts: false
              tasks:
                - name: Wait for the replicas
                  ansible.builtin.command: sleep {{marker}}
            """);
        using var target = new AnsibleTarget(
            new AnsibleTargetOptions { Playbook = playbook, Timeout = TimeSpan.FromSeconds(10) },
            _ => Task.FromResult(1), TimeProvider.System, new FakeLogger<AnsibleTarget>());

        var scaling = target.ScaleAsync(2, TestContext.Current.CancellationToken);
        // The sleep must be running (a grandchild of ansible-playbook, under its worker) before the timeout strikes.
        var deadline = TimeProvider.System.GetTimestamp();
        while (Processes($"sleep {marker}").Count == 0)
        {
            if (scaling.IsCompleted)
            {
                Assert.Fail($"the run ended before its sleep started: {(await scaling).Message}");
            }

            Assert.True(TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10), "the sleep never started");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var result = await scaling;

        Assert.False(result.Succeeded);
        Assert.Equal("ansible-playbook did not finish within 10s, so it was killed with every process it started (it was at task \"Wait for the replicas\")", result.Message);
        // SIGKILL is sent to the whole tree before the result returns, but a loaded machine may take a moment to tear a
        // killed process down. One the kill missed would sleep for minutes, so a few seconds tell the two apart.
        var killed = TimeProvider.System.GetTimestamp();
        while (Processes($"sleep {marker}").Count > 0 && TimeProvider.System.GetElapsedTime(killed) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var survivors = Processes($"sleep {marker}");
        foreach (var pid in survivors)
        {
            KillQuietly(pid); // not left behind when the assertion fails
        }

        Assert.Empty(survivors);
    }

    private static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
        }
    }

    [Fact]
    public async Task The_compose_playbook_scales_with_no_recreate_and_reports_changed_only_when_the_count_changes()
    {
        // No Docker here: a stand-in for `docker compose` that keeps the container count in a file and logs each call.
        // What is tested is the playbook's own logic (the commands it sends and when it says "changed").
        var project = Directory.CreateDirectory(_dir.File("project")).FullName;
        var compose = _dir.Executable("fake-compose", """
            #!/bin/sh
            echo "$*" >> calls
            count=$(cat count 2>/dev/null || echo 0)
            while [ $# -gt 0 ]; do
              case "$1" in
                --project-directory|-f) shift 2 ;;
                ps) i=0; while [ $i -lt "$count" ]; do echo "c$i"; i=$((i+1)); done; exit 0 ;;
                --scale) echo "${2#*=}" > count; shift 2 ;;
                *) shift ;;
              esac
            done
            """ + "\n");
        var playbook = Path.Combine(Shipped, "playbook-scale.yml");

        async Task<string> Scale(int n)
        {
            var (code, output) = await RunAsync(playbook, "-e", $"compose_cmd={compose}", "-e", $"compose_project_dir={project}", "-e", $"target_replicas={n}");
            Assert.True(code == 0, output);
            return output.Split('\n').Single(l => l.StartsWith("localhost ", StringComparison.Ordinal));
        }

        Assert.Contains("changed=1", await Scale(3), StringComparison.Ordinal);
        Assert.Contains("changed=0", await Scale(3), StringComparison.Ordinal);
        Assert.Contains("changed=1", await Scale(1), StringComparison.Ordinal);
        var calls = await File.ReadAllLinesAsync(Path.Combine(project, "calls"), TestContext.Current.CancellationToken);
        Assert.Equal(9, calls.Length);
        Assert.Equal($"--project-directory {project} -f compose.yaml up -d --no-recreate --scale webapp=3 webapp", calls[1]);
        Assert.Equal($"--project-directory {project} -f compose.yaml up -d --no-recreate --scale webapp=1 webapp", calls[7]);
        Assert.All(calls.Where((_, i) => i % 3 != 1), c => Assert.EndsWith("ps -q webapp", c, StringComparison.Ordinal));

        var (bad, output) = await RunAsync(playbook, "-e", $"compose_cmd={compose}", "-e", $"compose_project_dir={project}", "-e", "target_replicas=three");
        Assert.Equal(2, bad);
        Assert.Contains("target_replicas must be a whole number, e.g. -e target_replicas=3 (got: three)", output, StringComparison.Ordinal);

        // Several files, ":"-separated as in COMPOSE_FILE: one -f each, in order, so an override file applies to new replicas.
        var (code, several) = await RunAsync(playbook, "-e", $"compose_cmd={compose}", "-e", $"compose_project_dir={project}",
            "-e", "compose_file=docker-compose.yml:/elsewhere/override.yml", "-e", "target_replicas=2");
        Assert.True(code == 0, several);
        var last = (await File.ReadAllLinesAsync(Path.Combine(project, "calls"), TestContext.Current.CancellationToken))[^2];
        Assert.Equal($"--project-directory {project} -f docker-compose.yml -f /elsewhere/override.yml up -d --no-recreate --scale webapp=2 webapp", last);
    }

    private string Write(string name, string text)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(params string[] arguments) =>
        Tool.RunAsync(
            RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core"),
            arguments,
            new Dictionary<string, string?> { ["ANSIBLE_NOCOLOR"] = "1" });

    private static List<int> Processes(string commandLine) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1, Dir: d))
            .Where(p => p.Pid > 0 && ReadCommandLine(p.Dir) == commandLine)
            .Select(p => p.Pid)];

    private static string? ReadCommandLine(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
