using System.Globalization;
using System.Text.Json;
using Autoscaler.IntegrationTests.Deploy;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Containers;

/// <summary>
/// The Compose stack of deploy/compose in real containers (podman serving the Docker API; tests/containers/run.sh):
/// the original system's central flow, scaler → ansible-playbook → docker-compose up --scale → a new container that
/// Prometheus finds through DNS → traffic through the gateway. Run alone with
/// <c>dotnet test tests/Autoscaler.IntegrationTests --filter Category=Containers</c> (or tests/containers/run.sh test).
/// Skipped, with the reason, where the engine cannot be prepared (not Linux, not root, no podman to install).
/// </summary>
[Collection("Containers")]
[Trait("Category", "Containers")]
public sealed class ComposeStackTests
{
    private static readonly Uri Gateway = new("http://127.0.0.1:8000/");
    private static readonly Uri Prometheus = new("http://127.0.0.1:9090/");

    // A cold machine builds every image first (several minutes); a prepared one starts in well under a minute.
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(15);

    private readonly HashSet<string> _containersSeen = new(StringComparer.Ordinal);
    private readonly long _started = TimeProvider.System.GetTimestamp();

    [Fact]
    public async Task Load_through_the_gateway_makes_the_scaler_add_a_replica_through_Ansible_and_remove_it_afterwards_without_a_failed_request_and_its_standby_takes_over_when_it_is_killed()
    {
        var (upExit, upOutput) = await ContainerHarness.RunShAsync(UpTimeout, "up", "--owner", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (upExit == ContainerHarness.Unavailable)
        {
            Assert.Skip(upOutput.Split('\n').LastOrDefault(l => l.StartsWith("containers unavailable:", StringComparison.Ordinal)) ?? upOutput);
        }

        if (upExit != 0)
        {
            // run.sh takes a stack it could not start down itself; once more in case it failed past that point.
            var (_, downOutput) = await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(3), "down");
            Assert.Fail($"tests/containers/run.sh up failed (exit {upExit}):\n{upOutput}\nrun.sh down:\n{downOutput}");
        }

        Log("the stack is up");

        (int ExitCode, string Output) down;
        try
        {
            await ScaleOutAndBackAsync();
            await FailOverAsync();
        }
        finally
        {
            _containersSeen.UnionWith(await ProjectContainersAsync());
            down = await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(3), "down");
            Log("the stack is down");
        }

        Assert.True(down.ExitCode == 0, $"tests/containers/run.sh down:\n{down.Output}");
        await AssertNothingIsLeftAsync();
    }

    private async Task ScaleOutAndBackAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // One replica, scraped by Prometheus at the address Compose's DNS gives it (dns_sd_configs).
        Assert.Single(await ComposeWebAppsAsync());
        await LiveStack.WaitForAsync(async () => await PrometheusReplicasAsync(http) == 1, TimeSpan.FromSeconds(60), () => "Prometheus does not scrape one webapp");
        var targets = await WebAppTargetsAsync(http);
        Assert.Matches(@"^\d+\.\d+\.\d+\.\d+:8000$", Assert.Single(targets));
        Assert.Equal("OK", await GetThroughGatewayAsync(http));

        // 20 req/s for 5 s, then 55 req/s for 40 s: one replica serves 40, so the queue grows and the 30 s mean response time
        // passes 0.6 s. A client that waits up to 30 s: what is asserted is that no request is lost or turned away.
        using var dir = new TempDirectory("autoscaler-compose-load");
        var summary = dir.File("load.json");
        await using var load = AutoscalerProcess.Start(
            "load", "--url", Gateway.ToString(), "--pattern", "step", "--steps", "0s=20,5s=55", "--duration", "45s", "--timeout", "30s", "--json", summary);

        // The scaler runs the playbook, which runs docker-compose up --scale in the engine; Compose and Prometheus
        // then agree on two replicas or more (the scaler may add a third while the 30 s mean is still high).
        var agreed = 0;
        await LiveStack.WaitForAsync(async () =>
        {
            var compose = (await ComposeWebAppsAsync()).Count;
            var prometheus = await PrometheusReplicasAsync(http);
            agreed = compose >= 2 && compose == prometheus ? compose : 0;
            return agreed > 0;
        }, TimeSpan.FromSeconds(120), () => $"no agreement on two replicas or more; the scaler's log:\n{Tail(ComposeLogs("scaler"))}");
        Assert.InRange(agreed, 2, 3);
        Log($"Compose and Prometheus agree on {agreed} replicas");

        Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Log("the load is over");
        using (var result = JsonDocument.Parse(await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken)))
        {
            var root = result.RootElement;
            Assert.True(root.GetProperty("sent").GetInt64() >= 2000, $"the load generator sent too little: {root}");
            Assert.True(root.GetProperty("failed").GetInt64() == 0, $"failed requests: {root.GetProperty("failures")}");
            Assert.True(root.GetProperty("replicas").EnumerateObject().Count() >= 2, $"the traffic reached one replica only: {root.GetProperty("replicas")}");
        }

        var scalerLog = await ComposeLogsAsync("scaler");
        Assert.Contains("Scaling from 1 -> 2", scalerLog, StringComparison.Ordinal);
        Assert.Contains("Running: ansible-playbook /app/deploy/ansible/playbook-scale.yml", scalerLog, StringComparison.Ordinal);

        // After the load, the mean falls under 0.2 s and the scaler removes replicas down to one.
        await LiveStack.WaitForAsync(async () => (await ComposeWebAppsAsync()).Count == 1 && await PrometheusReplicasAsync(http) == 1,
            TimeSpan.FromSeconds(180), () => $"not back to one replica; the scaler's log:\n{Tail(ComposeLogs("scaler"))}");
        Log("back to one replica");
        Assert.True(await QueryScalarAsync(http, "sum(autoscaler_scale_actions_total{result=\"success\"})") >= 2, "the scaler should report its scale actions as successful");
        Assert.Equal(0, await QueryScalarAsync(http, "sum(autoscaler_scale_actions_total{result=\"failure\"})"));

        // Every query of the dashboard (and of the alert rules) runs against this Prometheus; they would run in Grafana.
        using var dashboard = await DashboardQueries.LoadDashboardAsync();
        var exprs = DashboardQueries.Exprs(dashboard.RootElement).Concat(DashboardQueries.AlertRuleExprs()).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(exprs.Count >= 10, $"only {exprs.Count} expressions found");
        foreach (var expr in exprs)
        {
            await DashboardQueries.QueryAsync(http, Prometheus, expr);
        }

        Assert.Single(await DashboardQueries.QueryAsync(http, Prometheus, "sum(rate(gateway_requests_total[5m]))"));
    }

    /// <summary>
    /// The "ha" profile's standby, on the scaler's lock file in a shared volume: it stands by while the scaler lives, and
    /// leads, evaluating at once, within seconds of a SIGKILL of the scaler's container (the kernel drops the lock).
    /// </summary>
    private async Task FailOverAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scaler = new Uri("http://127.0.0.1:8080/api/v1/status");
        var standby = new Uri("http://127.0.0.1:8081/api/v1/status");
        using (var leading = JsonDocument.Parse(await http.GetStringAsync(scaler)))
        using (var standing = JsonDocument.Parse(await http.GetStringAsync(standby)))
        {
            Assert.True(leading.RootElement.GetProperty("leader").GetBoolean(), $"the scaler should lead: {leading.RootElement}");
            Assert.False(standing.RootElement.GetProperty("leader").GetBoolean(), $"the standby should stand by: {standing.RootElement}");
        }

        var (killed, output) = await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(1), "compose", "kill", "scaler");
        Assert.True(killed == 0, $"docker-compose kill scaler:\n{output}");
        var since = TimeProvider.System.GetTimestamp();
        JsonElement status = default;
        await LiveStack.WaitForAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(standby));
            status = json.RootElement.Clone();
            return status.GetProperty("leader").GetBoolean();
        }, TimeSpan.FromSeconds(30), () => $"the standby did not take the lead; its status: {status}; its log:\n{Tail(ComposeLogs("scaler-standby"))}");
        Log($"the standby leads {TimeProvider.System.GetElapsedTime(since).TotalSeconds:F1} s after the scaler was killed");

        // A new leader evaluates at once rather than at its next check.
        await LiveStack.WaitForAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(standby));
            return json.RootElement.GetProperty("lastDecisions").EnumerateArray().Any(d => d.GetProperty("trigger").GetString() == "leader");
        }, TimeSpan.FromSeconds(15), () => $"no evaluation on taking the lead; the standby's log:\n{Tail(ComposeLogs("scaler-standby"))}");
    }

    private void Log(string what) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{TimeProvider.System.GetElapsedTime(_started).TotalSeconds:F0} s: {what}");

    /// <summary>`docker-compose ps -q webapp`, as the playbook counts; every id is remembered for the leftover check.</summary>
    private async Task<List<string>> ComposeWebAppsAsync()
    {
        var (exit, output) = await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(1), "compose", "ps", "-q", "webapp");
        for (var attempt = 0; attempt < 5 && exit != 0 && output.Contains("no such container", StringComparison.Ordinal); attempt++)
        {
            // docker-compose 1.29 lists the containers, then inspects each: one the scaler removes in between fails it.
            await Task.Delay(TimeSpan.FromSeconds(1));
            (exit, output) = await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(1), "compose", "ps", "-q", "webapp");
        }

        Assert.True(exit == 0, $"docker-compose ps -q webapp:\n{output}");
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length == 64).ToList();
        _containersSeen.UnionWith(ids);
        return ids;
    }

    private static async Task<string> ComposeLogsAsync(string service) =>
        (await ContainerHarness.RunShAsync(TimeSpan.FromMinutes(1), "compose", "logs", "--no-color", service)).Output;

    /// <summary>For failure messages, which are built synchronously (off the test's synchronization context).</summary>
    private static string ComposeLogs(string service) => Task.Run(() => ComposeLogsAsync(service)).GetAwaiter().GetResult();

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));

    private static async Task<int> PrometheusReplicasAsync(HttpClient http)
    {
        var values = await DashboardQueries.QueryAsync(http, Prometheus, "count(up{job=\"webapp\"} == 1)");
        return values.Count == 0 ? 0 : (int)values[0];
    }

    private static async Task<double> QueryScalarAsync(HttpClient http, string query) =>
        Assert.Single(await DashboardQueries.QueryAsync(http, Prometheus, query));

    private static async Task<List<string>> WebAppTargetsAsync(HttpClient http)
    {
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(Prometheus, "api/v1/targets?state=active")));
        return [.. json.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == "webapp")
            .Select(t => t.GetProperty("labels").GetProperty("instance").GetString()!)];
    }

    private static async Task<string> GetThroughGatewayAsync(HttpClient http)
    {
        using var response = await http.GetAsync(Gateway);
        Assert.Contains("\"instance\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        return response.StatusCode.ToString();
    }

    private static async Task<List<string>> ProjectContainersAsync()
    {
        var (_, output) = await ContainerHarness.PodmanAsync("ps", "-a", "-q", "--no-trunc", "--filter", $"label=com.docker.compose.project={ContainerHarness.Project}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length == 64)];
    }

    /// <summary>What podman itself reports after `docker-compose down`: no container, network or process of the stack.</summary>
    private async Task AssertNothingIsLeftAsync()
    {
        Assert.Empty(await ProjectContainersAsync());

        var (exit, networks) = await ContainerHarness.PodmanAsync("network", "ls", "--format", "{{.Name}}");
        Assert.True(exit == 0, networks);
        Assert.DoesNotContain(networks.Split('\n'), n => n.StartsWith(ContainerHarness.Project + "_", StringComparison.Ordinal));

        // Processes: a container's conmon and payload carry its id on their command line, podman's service its socket.
        Assert.NotEmpty(_containersSeen);
        var state = Environment.GetEnvironmentVariable("AUTOSCALER_CONTAINER_STATE") is { Length: > 0 } s ? s : "/var/tmp/autoscaler-containers";
        var markers = _containersSeen.Append(Path.Combine(state, "podman.sock")).ToList();
        var left = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string command;
            try
            {
                command = (await File.ReadAllTextAsync(Path.Combine(proc, "cmdline"), TestContext.Current.CancellationToken)).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (markers.Any(m => command.Contains(m, StringComparison.Ordinal)))
            {
                left.Add($"{Path.GetFileName(proc)}: {command}");
            }
        }

        Assert.True(left.Count == 0, "processes left behind:\n" + string.Join('\n', left));
    }
}
