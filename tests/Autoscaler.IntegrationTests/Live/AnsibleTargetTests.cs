using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Autoscaler.IntegrationTests.Prometheus;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// The original flow with real programs: the scaler runs ansible-playbook, whose playbook sets the replicas of a real
/// `autoscaler up` through PUT /api/v1/replicas; and ansible-playbook driven by hand against a running stack.
/// </summary>
public sealed partial class AnsibleTargetTests
{
    private static string Playbook => Path.Combine(AppContext.BaseDirectory, "deploy", "ansible", "playbook-scale-local.yml");

    [Fact]
    public async Task Up_with_the_ansible_target_runs_the_playbook_which_sets_the_replicas_through_the_api()
    {
        RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core");
        using var dir = new TempDirectory("autoscaler-ansible");
        var policy = dir.File("two.yaml");
        await File.WriteAllTextAsync(policy, "minReplicas: 1\nmaxReplicas: 4\nmetrics:\n  - name: floor\n    fixed: 2\n", TestContext.Current.CancellationToken);
        await using var stack = await LiveStack.StartAsync("--target", "ansible", "--policy", policy);

        var running = await stack.Process.WaitForLineAsync(RunningLine(), TimeSpan.FromSeconds(30));
        Assert.EndsWith(
            $"Running: ansible-playbook {Playbook} -e scaler_url=http://127.0.0.1:{stack.Scaler.Port} -e target_replicas=2",
            running,
            StringComparison.Ordinal);
        await LiveStack.WaitForAsync(
            async () => await stack.CurrentReplicasAsync() == 2 && (await stack.GatewayDestinationsAsync()).Count == 2,
            TimeSpan.FromSeconds(60),
            () => stack.Process.Output);

        Assert.Contains("Scaling from 1 -> 2", stack.Process.Output, StringComparison.Ordinal);
        Assert.Contains("Replica count set through the API: 1 -> 2", stack.Process.Output, StringComparison.Ordinal);
        // The session's token was made up for it, kept owner-only, and never printed.
        var tokenFile = Path.Combine(stack.WorkDirectory, "api-token");
        var token = (await File.ReadAllTextAsync(tokenFile, TestContext.Current.CancellationToken)).Trim();
        Assert.Equal(48, token.Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        Assert.DoesNotContain(token, stack.Process.Output, StringComparison.Ordinal);
        // Reached, so the loop stops asking: exactly one run.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.Single(RunningLine().Matches(stack.Process.Output));
    }

    [Fact]
    public async Task Ansible_playbook_moves_a_running_stack_from_1_to_3_and_back_to_1_and_says_changed_only_when_it_changed()
    {
        RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core");
        // Thresholds no reading can cross, so the loop itself never changes the count.
        await using var stack = await LiveStack.StartAsync(
            "--target", "ansible", "--api-token", "playbook-token", "--max-replicas", "4", "--scale-up-threshold", "1000", "--scale-down-threshold", "0");

        var up = await PlaybookAsync(stack, 3);
        Assert.True(up.ExitCode == 0, up.Output);
        Assert.Matches(Recap(changed: 1), up.Output);
        Assert.Equal(3, await stack.CurrentReplicasAsync());
        Assert.Equal(3, (await stack.GatewayDestinationsAsync()).Count);
        await LiveStack.WaitForAsync(
            async () => (await stack.PrometheusTargetsAsync()) is { Count: 3 } t && t.Values.All(h => h == "up"),
            TimeSpan.FromSeconds(30),
            () => "Prometheus does not scrape the 3 replicas");

        var same = await PlaybookAsync(stack, 3);
        Assert.True(same.ExitCode == 0, same.Output);
        Assert.Matches(Recap(changed: 0), same.Output);

        var tooMany = await PlaybookAsync(stack, 9);
        Assert.Equal(2, tooMany.ExitCode);
        Assert.True(tooMany.Output.Contains("the scaler refused target_replicas=9: replicas = 9 is outside the scaler's limits 1..4", StringComparison.Ordinal), tooMany.Output);

        var wrongToken = await PlaybookAsync(stack, 2, token: "guess");
        Assert.Equal(2, wrongToken.ExitCode);
        Assert.True(wrongToken.Output.Contains($"the scaler at {stack.Scaler} refused the API token (401)", StringComparison.Ordinal), wrongToken.Output);
        Assert.Equal(3, await stack.CurrentReplicasAsync());

        var down = await PlaybookAsync(stack, 1);
        Assert.True(down.ExitCode == 0, down.Output);
        Assert.Matches(Recap(changed: 1), down.Output);
        Assert.Equal(1, await stack.CurrentReplicasAsync());
        Assert.Single(await stack.GatewayDestinationsAsync());
        Assert.DoesNotMatch(RunningLine(), stack.Process.Output);
    }

    [Fact]
    public async Task The_scaler_with_the_ansible_target_runs_the_users_playbook_and_reads_the_count_from_prometheus()
    {
        RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core");
        await using var prometheus = await PrometheusStack.StartAsync(1, TestContext.Current.CancellationToken);
        using var dir = new TempDirectory("autoscaler-ansible");
        var record = dir.File("asked.txt");
        var playbook = dir.File("record.yml");
        await File.WriteAllTextAsync(playbook, $$$"""
            - hosts: localhost
              connection: local
              gather_facts: false
              tasks:
                - name: Record the count
                  ansible.builtin.copy: {dest: "{{{record}}}", content: "{{ target_replicas }} in {{ compose_file }}"}
            """, TestContext.Current.CancellationToken);
        var policy = dir.File("three.yaml");
        await File.WriteAllTextAsync(policy, "minReplicas: 1\nmaxReplicas: 4\ncheckInterval: 1s\nmetrics:\n  - name: floor\n    fixed: 3\n", TestContext.Current.CancellationToken);
        var port = FreePorts.Next();

        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--target", "ansible", "--playbook", playbook, "--ansible-extra-var", "compose_file=my compose.yaml", "--policy", policy,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--prometheus-url", prometheus.Server.Url.ToString());

        var running = await scaler.WaitForLineAsync(RunningLine(), TimeSpan.FromSeconds(60));
        Assert.EndsWith($"Running: ansible-playbook {playbook} -e '{{\"compose_file\":\"my compose.yaml\"}}' -e target_replicas=3", running, StringComparison.Ordinal);
        Assert.Contains("floor=0 current_replicas=1", scaler.Output, StringComparison.Ordinal);
        await LiveStack.WaitForAsync(
            () => Task.FromResult(File.Exists(record) && File.ReadAllText(record) == "3 in my compose.yaml"),
            TimeSpan.FromSeconds(60),
            () => scaler.Output);
    }

    [Theory]
    [InlineData("the playbook /nowhere/scale.yml does not exist", "scaler", "--target", "ansible", "--playbook", "/nowhere/scale.yml")]
    [InlineData("--playbook needs --target ansible (the target is local)", "scaler", "--playbook", "scale.yml")]
    [InlineData("--ansible-timeout needs --target ansible", "up", "--ansible-timeout", "1m")]
    [InlineData("no playbook given; pass --playbook FILE", "scaler", "--target", "ansible")]
    [InlineData("--target compose is not built for up", "up", "--target", "compose")]
    [InlineData("--ansible-extra-var = compose_file: use NAME=VALUE", "scaler", "--target", "ansible", "--playbook", "/etc/hostname", "--ansible-extra-var", "compose_file")]
    [InlineData("AnsibleTarget:ExtraVars:target_replicas: set by the scaler", "scaler", "--target", "ansible", "--playbook", "/etc/hostname", "--ansible-extra-var", "target_replicas=3")]
    public async Task Bad_ansible_flags_are_named_with_exit_code_2_before_anything_starts(string expected, params string[] args)
    {
        await using var process = AutoscalerProcess.Start(args);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(expected, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_ansible_playbook_binary_says_what_to_install()
    {
        await using var process = AutoscalerProcess.Start(
            ["scaler", "--target", "ansible", "--playbook", "/etc/hostname"],
            new Dictionary<string, string> { ["AnsibleTarget__BinaryPath"] = "ansible-playbook-missing" });

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("cannot find ansible-playbook-missing on PATH; install Ansible with `apt-get install ansible-core`", process.Output, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> PlaybookAsync(LiveStack stack, int replicas, string token = "playbook-token") =>
        Tool.RunAsync(
            RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core"),
            [Playbook, "-e", $"scaler_url={stack.Scaler}", "-e", $"target_replicas={replicas}"],
            // The token through the environment, as up passes it.
            new Dictionary<string, string?> { ["AUTOSCALER_API_TOKEN"] = token, ["ANSIBLE_NOCOLOR"] = "1" },
            timeout: TimeSpan.FromMinutes(2));

    private static Regex Recap(int changed) => new($@"localhost\s+: ok=\d+\s+changed={changed}\s+unreachable=0\s+failed=0");

    [GeneratedRegex(@"Running: ansible-playbook .* -e target_replicas=\d+$", RegexOptions.Multiline)]
    private static partial Regex RunningLine();
}
