using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Live;

/// <summary>
/// A real `autoscaler up` with short intervals (scrape, evaluation and check every second, a 5 s
/// window), on free ports, in a temporary directory; stopped with SIGTERM when disposed. A flag given
/// in the extra arguments replaces the default one, and --policy replaces the default --query.
/// Alertmanager is started only for a test that names it with --alertmanager-bin (on a free port), so
/// the other tests run the stack they always did.
/// </summary>
internal sealed partial class LiveStack : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private LiveStack(AutoscalerProcess process, TempDirectory dir, int gateway, int scaler, int prometheus, int alertmanager)
    {
        Alertmanager = new Uri($"http://127.0.0.1:{alertmanager}/");
        Process = process;
        _dir = dir;
        Gateway = new Uri($"http://127.0.0.1:{gateway}/");
        Scaler = new Uri($"http://127.0.0.1:{scaler}/");
        Prometheus = new Uri($"http://127.0.0.1:{prometheus}/");
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }

    public AutoscalerProcess Process { get; }

    public Uri Gateway { get; }

    public Uri Scaler { get; }

    public Uri Prometheus { get; }

    public HttpClient Http { get; }

    /// <summary>Where Alertmanager listens when up started one.</summary>
    public Uri Alertmanager { get; }

    public string WorkDirectory => _dir.Path;

    public static Task<LiveStack> StartAsync(params string[] extra) => StartAsync(null, extra);

    /// <summary>Starts the stack with extra environment variables (configuration such as <c>Gateway__ProbeInterval</c>).</summary>
    public static async Task<LiveStack> StartAsync(IDictionary<string, string>? environment, params string[] extra)
    {
        RequiredBinary.Find("prometheus", "apt-get install prometheus");
        var dir = new TempDirectory();
        var (gateway, scaler, prometheus, alertmanager) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var replicaBase = FreePortRangeStart();
        (string Flag, string Value)[] defaults =
        [
            ("--replica-ports", $"{replicaBase}-{replicaBase + 30}"),
            ("--scrape-interval", "1s"), ("--evaluation-interval", "1s"), ("--check-interval", "1s"),
            ("--query", "avg(avg_over_time(webapp_response_time_seconds[5s]))"),
        ];
        var process = AutoscalerProcess.Start(
        [
            "up", "--no-status", "--work-dir", dir.Path,
            "--gateway-port", Str(gateway), "--port", Str(scaler), "--prometheus-port", Str(prometheus),
            .. extra.Contains("--alertmanager-bin") ? new[] { "--alertmanager-port", Str(alertmanager) } : ["--no-alertmanager"],
            .. defaults.Where(d => !extra.Contains(d.Flag) && !(d.Flag == "--query" && extra.Contains("--policy"))).SelectMany(d => new[] { d.Flag, d.Value }),
            .. extra,
        ], environment);
        var stack = new LiveStack(process, dir, gateway, scaler, prometheus, alertmanager);
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

    [GeneratedRegex("^ready:")]
    private static partial Regex ReadyLine();

    public async Task<JsonElement> StatusAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync(new Uri(Scaler, "api/v1/status"))).RootElement;

    public async Task<int> CurrentReplicasAsync() =>
        (await StatusAsync()).GetProperty("currentReplicas") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : -1;

    /// <summary>The replicas the gateway balances over.</summary>
    public async Task<HashSet<string>> GatewayDestinationsAsync()
    {
        var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Gateway, "gateway/destinations"))).RootElement;
        var list = json.ValueKind == JsonValueKind.Array ? json : json.GetProperty("destinations");
        return [.. list.EnumerateArray().Select(d => new Uri(d.GetProperty("address").GetString()!).Authority)];
    }

    /// <summary>The webapp targets Prometheus scrapes, with their health.</summary>
    public async Task<Dictionary<string, string>> PrometheusTargetsAsync()
    {
        var json = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Prometheus, "api/v1/targets"))).RootElement;
        return json.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == "webapp")
            .ToDictionary(t => new Uri(t.GetProperty("scrapeUrl").GetString()!).Authority, t => t.GetProperty("health").GetString()!);
    }

    public async Task<string> ScalerMetricsAsync() => await Http.GetStringAsync(new Uri(Scaler, "metrics"));

    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (TimeProvider.System.GetElapsedTime(deadline) > timeout)
            {
                Assert.Fail($"not within {timeout.TotalSeconds} s: {describe()}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!Process.HasExited)
        {
            Process.Signal(15);
            try
            {
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
            }
        }

        await Process.DisposeAsync();
        _dir.Dispose();
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int FreePortRangeStart()
    {
        // A block of ports away from the ephemeral range's busiest part; the target skips any that are taken.
        return 20000 + (Environment.ProcessId % 200 * 40);
    }
}
