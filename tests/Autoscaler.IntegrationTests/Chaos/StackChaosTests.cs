using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>
/// Faults on one running `autoscaler up` under a steady 30 req/s through its gateway (three replicas; see
/// <see cref="ChaosStack"/>): each test breaks one thing, asserts what a user would see (failed requests, the replica
/// count, the error reported), and leaves the stack steady again for the next. docs/reliability.md lists them.
/// </summary>
public sealed class StackChaosTests(SharedChaosStack shared) : IClassFixture<SharedChaosStack>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sigkilled_replica_is_withdrawn_and_replaced_at_the_cost_of_at_most_the_requests_it_was_serving()
    {
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        var victim = stack.ReplicaPids[0];
        var from = load.Now;

        ProcessTable.Signal(victim, ProcessTable.SigKill);

        await LiveStack.WaitForAsync(
            () => Task.FromResult(stack.ReplicaPids is { Count: 3 } pids && !pids.Contains(victim)),
            TimeSpan.FromSeconds(30), () => $"no replacement for replica pid {victim}; log:\n{stack.Tail()}");
        Assert.Matches(@"Replica webapp-\d+ died \(exit code 137\); withdrawn from rotation", stack.Process.Output);
        await stack.WaitSteadyAsync();
        var results = await load.SettledAsync(from, load.Now);
        Assert.True(results.Count(r => !r.Ok) <= 3, SteadyLoad.Describe(results));
    }

    [Fact]
    public async Task A_sigkilled_prometheus_is_started_again_on_its_port_and_the_count_holds()
    {
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        var pid = stack.PrometheusPid;
        var (from, since) = (load.Now, TimeProvider.System.GetUtcNow());

        ProcessTable.Signal(pid, ProcessTable.SigKill);

        await LiveStack.WaitForAsync(
            () => Task.FromResult(stack.Process.Output.Contains($"Prometheus (pid {pid}) exited with code 137 (SIGKILL)", StringComparison.Ordinal)
                && stack.Process.Output.Contains("Prometheus started again", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), () => $"Prometheus was not started again; log:\n{stack.Tail()}");
        Assert.NotEqual(pid, stack.PrometheusPid);
        await stack.WaitSteadyAsync();
        Assert.All(await stack.DecisionsAsync(), d => Assert.True(d.Time < since || d.Desired >= 3, $"scaled down at {d.Time:HH:mm:ss.fff}: {d}"));
        var results = await load.SettledAsync(from, load.Now);
        Assert.True(results.All(r => r.Ok), SteadyLoad.Describe(results));
    }

    /// <summary>
    /// Issue 15 stopped Prometheus for 60 s with 5 s scrapes and a 30 s window; here the window is 10 s and the scrapes
    /// 1 s, so 15 s of pause is already longer than the window and than the fallback's three failures.
    /// </summary>
    [Fact]
    public async Task A_paused_prometheus_makes_the_scaler_not_ready_and_neither_the_fallback_nor_the_first_readings_after_scale_down()
    {
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        var pid = stack.PrometheusPid;
        var (from, since) = (load.Now, TimeProvider.System.GetUtcNow());
        var decisions = new Dictionary<DateTimeOffset, Decision>();
        async Task CollectAsync()
        {
            foreach (var d in await stack.DecisionsAsync())
            {
                decisions[d.Time] = d;
            }
        }

        string notReady;
        ProcessTable.Signal(pid, ProcessTable.SigStop);
        try
        {
            (HttpStatusCode Status, string Text) readyz = (HttpStatusCode.OK, "");
            await LiveStack.WaitForAsync(
                async () => (readyz = await stack.ReadyzAsync()).Status == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(15), () => $"/readyz still answers {readyz}");
            notReady = readyz.Text;
            while (TimeProvider.System.GetUtcNow() - since < TimeSpan.FromSeconds(15))
            {
                await CollectAsync();
                await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            }
        }
        finally
        {
            ProcessTable.TrySignal(pid, ProcessTable.SigCont);
        }

        var resumed = TimeProvider.System.GetUtcNow();
        await LiveStack.WaitForAsync(
            async () =>
            {
                await CollectAsync();
                return TimeProvider.System.GetUtcNow() - resumed > TimeSpan.FromSeconds(15) && (await stack.ReadyzAsync()).Status == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(60), () => $"not ready again after SIGCONT; log:\n{stack.Tail()}");

        Assert.StartsWith("not ready: the metrics backend is out (rps: ", notReady, StringComparison.Ordinal);
        Assert.Contains("Metric rps has no value (Timeout", stack.Process.Output, StringComparison.Ordinal);
        var during = decisions.Values.Where(d => d.Time >= since).OrderBy(d => d.Time).ToList();
        Assert.All(during, d => Assert.True(d.Desired >= d.Current && d.Current >= 3, $"scaled down at {d.Time:HH:mm:ss.fff}: {d}"));
        Assert.Contains(during, d => d.Cause == "failed_metric" && d.Reason.Contains("fallback never scales down", StringComparison.Ordinal));
        Assert.Contains(during, d => d.Cause == "recovering" && d.Reason.Contains("10s window", StringComparison.Ordinal));
        var results = await load.SettledAsync(from, load.Now);
        Assert.True(results.All(r => r.Ok), SteadyLoad.Describe(results));
        await stack.WaitSteadyAsync();
    }

    [Fact]
    public async Task A_webhook_flood_costs_at_most_one_evaluation_a_second_little_log_and_no_request()
    {
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        var token = (await File.ReadAllTextAsync(Path.Combine(stack.WorkDirectory, "webhook-token"), Ct)).Trim();
        const string Calls = "autoscaler_alert_webhook_calls_total";
        var (evaluations, coalesced, unauthorized, unsupported) = (
            await stack.ScalerMetricAsync(Calls + "{result=\"evaluation\"}"), await stack.ScalerMetricAsync(Calls + "{result=\"coalesced\"}"),
            await stack.ScalerMetricAsync(Calls + "{result=\"unauthorized\"}"), await stack.ScalerMetricAsync(Calls + "{result=\"unsupported_media_type\"}"));
        var logBefore = new FileInfo(stack.LogFile).Length;
        var (from, since) = (load.Now, TimeProvider.System.GetUtcNow());

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = stack.Scaler };
        var statuses = await FloodAsync(http, token, TimeSpan.FromSeconds(5));
        var seconds = (TimeProvider.System.GetUtcNow() - since).TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct); // the last folded-in evaluation

        var posted = statuses.Count(s => s == HttpStatusCode.Accepted);
        Assert.True(posted > 100, $"only {posted} authorized posts in 5 s");
        var evaluated = await stack.ScalerMetricAsync(Calls + "{result=\"evaluation\"}") - evaluations;
        Assert.InRange(evaluated, 1, Math.Ceiling(seconds) + 1);
        // Alertmanager may post a real alert meanwhile; each post is either an evaluation or folded into one.
        Assert.InRange(await stack.ScalerMetricAsync(Calls + "{result=\"coalesced\"}") - coalesced + evaluated, posted, posted + 5);
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.Unauthorized), await stack.ScalerMetricAsync(Calls + "{result=\"unauthorized\"}") - unauthorized);
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.UnsupportedMediaType), await stack.ScalerMetricAsync(Calls + "{result=\"unsupported_media_type\"}") - unsupported);
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.Unauthorized, HttpStatusCode.UnsupportedMediaType }));
        var alertEvaluations = (await stack.DecisionsAsync()).Where(d => d.Time >= since && d.Trigger.StartsWith("alert:", StringComparison.Ordinal)).ToList();
        Assert.InRange(alertEvaluations.Count, 1, Math.Ceiling(seconds) + 2);
        Assert.Contains(alertEvaluations, d => d.Trigger == "alert:HighResponseTime");
        var logGrowth = new FileInfo(stack.LogFile).Length - logBefore;
        Assert.True(logGrowth < 64 * 1024, $"the log grew {logGrowth} bytes during the flood");
        var results = await load.SettledAsync(from, load.Now);
        Assert.True(results.All(r => r.Ok), SteadyLoad.Describe(results));
        Assert.Equal(3, await stack.CurrentReplicasAsync());
    }

    [Fact]
    public async Task A_second_up_on_the_same_work_dir_exits_2_naming_the_first_and_touches_none_of_its_files()
    {
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        string[] files = ["api-token", "webhook-token", "replicas.json", "prometheus/prometheus.yml", "alertmanager/alertmanager.yml"];
        var before = files.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(stack.WorkDirectory, f)));
        var from = load.Now;

        await using var second = AutoscalerProcess.Start(
            "up", "--no-status", "--no-alertmanager", "--work-dir", stack.WorkDirectory,
            "--gateway-port", $"{FreePorts.Next()}", "--port", $"{FreePorts.Next()}", "--prometheus-port", $"{FreePorts.Next()}");
        var code = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 2, second.Output);
        Assert.Contains($"the work directory {stack.WorkDirectory} is in use by another `autoscaler up` (pid {stack.Process.Pid})", second.Output, StringComparison.Ordinal);
        Assert.All(files, f => Assert.Equal(before[f], File.ReadAllText(Path.Combine(stack.WorkDirectory, f))));
        Assert.Equal(HttpStatusCode.OK, (await stack.ReadyzAsync()).Status);
        Assert.Equal(3, await stack.CurrentReplicasAsync());
        var results = await load.SettledAsync(from, load.Now);
        Assert.True(results.All(r => r.Ok), SteadyLoad.Describe(results));
    }

    /// <summary>
    /// The scaler in `up` lives in `up`'s own process, so it restarts only with the whole stack. A scaler that runs
    /// apart from its replicas (Compose, Kubernetes, a playbook) can restart alone: here `autoscaler scaler --target
    /// ansible` sets `up`'s replicas through the shipped playbook while `up`'s own loop is paused at whatever count it
    /// finds. Killed and started again, it reads the count it finds (from Prometheus) and leaves the replicas alone.
    /// </summary>
    [Fact]
    public async Task A_scaler_killed_and_started_again_adopts_the_running_replicas()
    {
        RequiredBinary.Find("ansible-playbook", "apt-get install ansible-core");
        var stack = await shared.GetAsync();
        var load = stack.Load!;
        var apiToken = (await File.ReadAllTextAsync(Path.Combine(stack.WorkDirectory, "api-token"), Ct)).Trim();
        var policy = Path.Combine(stack.WorkDirectory, "two.yaml");
        await File.WriteAllTextAsync(policy, "minReplicas: 1\nmaxReplicas: 4\ncheckInterval: 1s\nmetrics:\n  - name: floor\n    fixed: 2\n", Ct);
        var port = FreePorts.Next();
        string[] args =
        [
            "scaler", "--port", $"{port}", "--prometheus-url", $"http://127.0.0.1:{stack.Ports.Prometheus}", "--policy", policy,
            "--target", "ansible", "--playbook", Path.Combine(AppContext.BaseDirectory, "deploy", "ansible", "playbook-scale-local.yml"),
            "--ansible-extra-var", $"scaler_url=http://127.0.0.1:{stack.Ports.Scaler}",
        ];
        var environment = new Dictionary<string, string> { ["AUTOSCALER_API_TOKEN"] = apiToken };
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await SetPauseAsync(stack, apiToken, pause: true);
        AutoscalerProcess? first = null, second = null;
        try
        {
            first = AutoscalerProcess.Start(args, environment);
            await LiveStack.WaitForAsync(
                async () => stack.ReplicaPids.Count == 2 && await SettledAtAsync(http, 2),
                TimeSpan.FromSeconds(90), () => $"the playbook did not set 2 replicas; scaler:\n{first.Output}");
            // Its count comes from Prometheus, which may still count the removed replica for a scrape, so it may run the
            // (idempotent) playbook twice; what matters is that it settled before it is killed.
            Assert.NotEmpty(Running(first.Output));
            var replicas = stack.ReplicaPids;
            var from = load.Now;

            first.Signal(ProcessTable.SigKill);
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
            second = AutoscalerProcess.Start(args, environment);
            await LiveStack.WaitForAsync(async () => await EvaluationsAsync(http) >= 3, TimeSpan.FromSeconds(60), () => second.Output);

            Assert.Equal(2, await ScalerCountAsync(http));
            Assert.Empty(Running(second.Output));
            Assert.Equal(replicas.Order(), stack.ReplicaPids.Order());
            var results = await load.SettledAsync(from, load.Now);
            Assert.True(results.All(r => r.Ok), SteadyLoad.Describe(results));
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }

            if (second is not null)
            {
                await second.DisposeAsync();
            }

            await SetPauseAsync(stack, apiToken, pause: false);
        }

        await stack.WaitSteadyAsync();
    }

    private static IEnumerable<string> Running(string output) =>
        output.Split('\n').Where(l => l.Contains("Running: ansible-playbook", StringComparison.Ordinal));

    /// <summary>True when the scaler's last three evaluations all read <paramref name="count"/> and did nothing.</summary>
    private static async Task<bool> SettledAtAsync(HttpClient http, int count)
    {
        var last = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/v1/decisions")).RootElement.EnumerateArray().Take(3).ToList();
        return last.Count == 3 && last.All(e => e.GetProperty("decision").GetProperty("currentReplicas").GetInt32() == count
            && e.GetProperty("action").ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    private static async Task<int> ScalerCountAsync(HttpClient http) =>
        System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/v1/status")).RootElement.GetProperty("currentReplicas") is { ValueKind: System.Text.Json.JsonValueKind.Number } n
            ? n.GetInt32() : -1;

    private static async Task<int> EvaluationsAsync(HttpClient http) =>
        System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/v1/decisions")).RootElement.GetArrayLength();

    private static async Task SetPauseAsync(ChaosStack stack, string token, bool pause)
    {
        using var request = pause
            ? new HttpRequestMessage(HttpMethod.Put, new Uri(stack.Scaler, "api/v1/replicas")) { Content = new StringContent("{\"pause\": true}", Encoding.UTF8, "application/json") }
            : new HttpRequestMessage(HttpMethod.Delete, new Uri(stack.Scaler, "api/v1/pause"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await stack.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Four senders post one firing alert as fast as they can, with the token; a fifth without it, and a sixth as text.</summary>
    private static async Task<List<HttpStatusCode>> FloodAsync(HttpClient http, string token, TimeSpan duration)
    {
        const string Alert = """{"version":"4","status":"firing","receiver":"autoscaler","alerts":[{"status":"firing","labels":{"alertname":"HighResponseTime"}}]}""";
        var until = TimeProvider.System.GetTimestamp();
        async Task<List<HttpStatusCode>> SendAsync(string? bearer, string mediaType)
        {
            var statuses = new List<HttpStatusCode>();
            while (TimeProvider.System.GetElapsedTime(until) < duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/alerts") { Content = new StringContent(Alert, Encoding.UTF8, mediaType) };
                if (bearer is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                using var response = await http.SendAsync(request);
                statuses.Add(response.StatusCode);
            }

            return statuses;
        }

        var all = await Task.WhenAll(
            SendAsync(token, "application/json"), SendAsync(token, "application/json"), SendAsync(token, "application/json"), SendAsync(token, "application/json"),
            SendAsync(null, "application/json"), SendAsync(token, "text/plain"));
        return [.. all.SelectMany(s => s)];
    }
}
