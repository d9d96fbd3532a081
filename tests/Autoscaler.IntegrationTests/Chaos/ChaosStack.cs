using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>Where a chaos stack listens; given again, a second `up` asks for the very same ports.</summary>
internal sealed record ChaosPorts(int Gateway, int Scaler, int Prometheus, int Alertmanager, int Replicas)
{
    public static ChaosPorts Free() =>
        new(FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), 22000 + (Environment.ProcessId % 100 * 40));
}

/// <summary>
/// A real `autoscaler up` with Alertmanager, 1 s intervals and a request-rate policy (10 req/s a replica, a 10 s window,
/// the fallback after 3 failures, no stabilization, so that any scale-down would show at once), for the chaos tests.
/// Prometheus queries time out after 2 s. Stopped with SIGTERM when disposed, after every child it had is let go on
/// (SIGCONT) in case a test stopped one; the process tree is killed when that does not end it.
/// </summary>
internal sealed partial class ChaosStack : IAsyncDisposable
{
    public const string Policy = """
        minReplicas: 1
        maxReplicas: 4
        checkInterval: 1s
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[10s]))
            target: {value: 10, type: AverageValue, tolerance: 0.2}
            onError: fallback
            fallback: {failureThreshold: 3, replicas: 1}
        behavior:
          scaleUp: {stabilizationWindowSeconds: 0}
          scaleDown: {stabilizationWindowSeconds: 0}
        """;

    private readonly TempDirectory? _ownDirectory;

    private ChaosStack(AutoscalerProcess process, string workDirectory, ChaosPorts ports, TempDirectory? ownDirectory)
    {
        Process = process;
        WorkDirectory = workDirectory;
        Ports = ports;
        _ownDirectory = ownDirectory;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public AutoscalerProcess Process { get; }

    public string WorkDirectory { get; }

    public ChaosPorts Ports { get; }

    public HttpClient Http { get; }

    public SteadyLoad? Load { get; private set; }

    public Uri Gateway => new($"http://127.0.0.1:{Ports.Gateway}/");

    public Uri Scaler => new($"http://127.0.0.1:{Ports.Scaler}/");

    public string LogFile => Path.Combine(WorkDirectory, "autoscaler.log");

    /// <summary>Starts `up` in <paramref name="workDirectory"/> (a new temporary one when null) and waits for its ready line.</summary>
    public static async Task<ChaosStack> StartAsync(string? workDirectory = null, ChaosPorts? ports = null)
    {
        var prometheus = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        var alertmanager = RequiredBinary.Find("prometheus-alertmanager", "apt-get install prometheus-alertmanager");
        var own = workDirectory is null ? new TempDirectory("autoscaler-chaos") : null;
        var dir = workDirectory ?? own!.Path;
        ports ??= ChaosPorts.Free();
        var policy = Path.Combine(dir, "chaos-policy.yaml");
        await File.WriteAllTextAsync(policy, Policy);
        var process = AutoscalerProcess.Start(
        [
            "up", "--no-status", "--work-dir", dir, "--prometheus-bin", prometheus, "--alertmanager-bin", alertmanager,
            "--gateway-port", Str(ports.Gateway), "--port", Str(ports.Scaler), "--prometheus-port", Str(ports.Prometheus),
            "--alertmanager-port", Str(ports.Alertmanager), "--replica-ports", $"{ports.Replicas}-{ports.Replicas + 39}",
            "--scrape-interval", "1s", "--evaluation-interval", "1s", "--policy", policy,
        ], new Dictionary<string, string> { ["Prometheus__Timeout"] = "2s" });
        var stack = new ChaosStack(process, dir, ports, own);
        try
        {
            await process.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(90));
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }

        return stack;
    }

    /// <summary>Starts the steady load through the gateway (30 req/s: three replicas at 10 req/s each).</summary>
    public void StartLoad(double requestsPerSecond = 30) => Load ??= new SteadyLoad(Gateway, requestsPerSecond);

    /// <summary>The processes `up` started: Prometheus, Alertmanager and the replicas.</summary>
    public IReadOnlyList<(int Pid, string CommandLine)> Children() => ProcessTable.ChildrenOf(Process.Pid);

    public int PrometheusPid => Children().Single(c => c.CommandLine.Contains("prometheus --config.file", StringComparison.Ordinal)).Pid;

    public IReadOnlyList<int> ReplicaPids => [.. Children().Where(c => c.CommandLine.Contains(" webapp ", StringComparison.Ordinal)).Select(c => c.Pid)];

    public async Task<JsonElement> StatusAsync() => JsonDocument.Parse(await Http.GetStringAsync(new Uri(Scaler, "api/v1/status"))).RootElement;

    public async Task<int> CurrentReplicasAsync() =>
        (await StatusAsync()).GetProperty("currentReplicas") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : -1;

    /// <summary>The last decisions (the scaler keeps 50), oldest first: time, current, desired, cause, reason, trigger.</summary>
    public async Task<IReadOnlyList<Decision>> DecisionsAsync()
    {
        var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Scaler, "api/v1/decisions"))).RootElement;
        return [.. json.EnumerateArray().Select(e =>
        {
            var d = e.GetProperty("decision");
            return new Decision(
                d.GetProperty("time").GetDateTimeOffset(), d.GetProperty("currentReplicas").GetInt32(), d.GetProperty("desiredReplicas").GetInt32(),
                d.GetProperty("cause").GetString()!, d.GetProperty("reason").GetString()!, e.GetProperty("trigger").GetString()!);
        }).Reverse()];
    }

    public async Task<(HttpStatusCode Status, string Text)> ReadyzAsync()
    {
        using var response = await Http.GetAsync(new Uri(Scaler, "readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<double> ScalerMetricAsync(string series)
    {
        var text = await Http.GetStringAsync(new Uri(Scaler, "metrics"));
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until the stack is as the tests leave it: ready, three replicas scaled to by the policy and balanced over by
    /// the gateway, Prometheus running and the last decisions all holding.
    /// </summary>
    public async Task WaitSteadyAsync(TimeSpan? timeout = null)
    {
        StartLoad();
        var since = DateTimeOffset.MinValue;
        await LiveStack.WaitForAsync(
            async () =>
            {
                var steady = (await ReadyzAsync()).Status == HttpStatusCode.OK
                    && await CurrentReplicasAsync() == 3
                    && ReplicaPids.Count == 3
                    && Children().Any(c => c.CommandLine.Contains("prometheus --config.file", StringComparison.Ordinal) && ProcessTable.State(c.Pid) != 'T');
                var now = TimeProvider.System.GetUtcNow();
                since = steady ? (since == DateTimeOffset.MinValue ? now : since) : DateTimeOffset.MinValue;
                return steady && now - since >= TimeSpan.FromSeconds(3);
            },
            timeout ?? TimeSpan.FromSeconds(90),
            () => $"the stack did not settle at 3 replicas; log:\n{Tail()}");
    }

    /// <summary>The last lines of the stack's log, for failure messages.</summary>
    public string Tail(int lines = 60) => string.Join('\n', Process.Output.Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (Load is not null)
        {
            await Load.DisposeAsync();
        }

        Http.Dispose();
        if (!Process.HasExited)
        {
            // A test may have stopped a child; stopped, it would not hear the SIGTERM up sends it.
            foreach (var (pid, _) in Children())
            {
                ProcessTable.TrySignal(pid, ProcessTable.SigCont);
            }

            Process.Signal(ProcessTable.SigTerm);
            try
            {
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
            }
        }

        await Process.DisposeAsync();
        _ownDirectory?.Dispose();
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^ready:")]
    private static partial Regex ReadyLine();
}

/// <summary>One decision as <c>/api/v1/decisions</c> shows it.</summary>
internal sealed record Decision(DateTimeOffset Time, int Current, int Desired, string Cause, string Reason, string Trigger);
