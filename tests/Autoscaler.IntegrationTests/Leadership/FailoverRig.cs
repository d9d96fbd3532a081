using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Autoscaler.IntegrationTests.Targets;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Leadership;

/// <summary>
/// Real <c>autoscaler scaler</c> processes electing a leader (on a lock file or on a Lease in the Kubernetes API
/// stand-in) and scaling one Deployment in the stand-in with a <c>fixed: 3</c> rule. Each process has its own token,
/// so every PATCH of the scale subresource says which process sent it. "Someone scales it by hand" is a reset of the
/// Deployment to 1 replica: exactly one PATCH back to 3 must follow, from the leader.
/// </summary>
internal sealed partial class FailoverRig : IAsyncDisposable
{
    public const string Namespace = "shop";
    public const string Workload = "webapp";
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private const string ScalePath = "/apis/apps/v1/namespaces/shop/deployments/webapp/scale";
    private readonly KubernetesApiStandIn _api;
    private readonly TempDirectory _directory = new("failover");
    private readonly string _mode;
    private readonly string[] _electionArgs;
    private readonly List<Scaler> _scalers = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private int _started;

    private FailoverRig(KubernetesApiStandIn api, string mode)
    {
        _api = api;
        _mode = mode;
        File.WriteAllText(PolicyFile, "minReplicas: 1\nmaxReplicas: 4\ncheckInterval: 1s\nmetrics:\n  - name: floor\n    fixed: 3\n");
        _electionArgs = mode == "file"
            ? ["--leader-election", "file", "--leader-lock", _directory.File("scaler.lock"), "--leader-retry-period", Durations(RetryPeriod)]
            : ["--leader-election", "kubernetes", "--leader-lease", "autoscaler", "--leader-lease-namespace", Namespace,
               "--leader-lease-duration", Durations(LeaseDuration), "--leader-renew-deadline", "2s", "--leader-retry-period", Durations(RetryPeriod)];
    }

    /// <summary>A standby's retry period: 300 ms on the lock file, 500 ms on the Lease.</summary>
    public TimeSpan RetryPeriod => _mode == "file" ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(500);

    /// <summary>The Lease's duration (3 s); nothing for the lock file, which the kernel frees at once.</summary>
    public TimeSpan LeaseDuration => _mode == "file" ? TimeSpan.Zero : TimeSpan.FromSeconds(3);

    public KubernetesApiStandIn Api => _api;

    private string PolicyFile => _directory.File("fixed.yaml");

    public static async Task<FailoverRig> StartAsync(string mode)
    {
        var api = await KubernetesApiStandIn.StartAsync();
        api.Add("deployments", Namespace, Workload, replicas: 1);
        return new FailoverRig(api, mode);
    }

    /// <summary>One scaler process: its identity, its API and its token.</summary>
    public sealed record Scaler(string Identity, AutoscalerProcess Process, Uri Url, string Token);

    /// <summary>Starts a scaler named scaler-N and waits until it serves its API.</summary>
    public async Task<Scaler> StartScalerAsync()
    {
        var identity = $"scaler-{++_started}";
        var token = $"{identity}-token";
        _api.AllowToken(token);
        var kubeconfig = _api.WriteKubeconfig(Namespace, fileName: $"{identity}.kubeconfig", token: token);
        var process = AutoscalerProcess.Start([
            "scaler", "--port", "0", "--target", "kubernetes", "--kube-name", Workload, "--kubeconfig", kubeconfig, "--policy", PolicyFile,
            "--prometheus-url", $"http://127.0.0.1:{FreePorts.Next()}", "--leader-identity", identity, .. _electionArgs]);
        var scaler = new Scaler(identity, process, null!, token);
        _scalers.Add(scaler);
        var line = await process.WaitForLineAsync(Listening(), TimeSpan.FromSeconds(60));
        scaler = scaler with { Url = new Uri(Listening().Match(line).Groups[1].Value + "/") };
        _scalers[^1] = scaler;
        return scaler;
    }

    /// <summary>What <c>/api/v1/status</c> says about the leadership, or null when the process does not answer.</summary>
    public async Task<(bool Leader, string? Holder)?> StatusAsync(Scaler scaler)
    {
        try
        {
            var status = await _http.GetFromJsonAsync<JsonElement>(new Uri(scaler.Url, "api/v1/status"), TestContext.Current.CancellationToken);
            return (status.GetProperty("leader").GetBoolean(), status.GetProperty("holder").GetString());
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>PATCHes of the Deployment's scale subresource, oldest first, with who sent them.</summary>
    public IReadOnlyList<(string Sender, long Timestamp)> Patches() =>
        [.. _api.Requests.Where(r => r.Method == "PATCH" && r.Path == ScalePath).Select(r => (Sender(r.Authorization), r.Timestamp))];

    /// <summary>Updates (PUT) of the Lease, oldest first: who sent each and the holder it wrote.</summary>
    public IReadOnlyList<(string Sender, string? Holder)> LeaseUpdates() =>
        [.. _api.Requests.Where(r => r.Method == "PUT" && r.Path.StartsWith("/apis/coordination.k8s.io/", StringComparison.Ordinal))
            .Select(r => (Sender(r.Authorization), KubernetesApiStandIn.Json(r)?["spec"]?["holderIdentity"]?.GetValue<string>()))];

    /// <summary>"Someone scales it by hand": the Deployment back to 1 replica; returns the time of the reset.</summary>
    public long Reset()
    {
        var at = TimeProvider.System.GetTimestamp();
        _api.Add("deployments", Namespace, Workload, replicas: 1);
        return at;
    }

    public int Replicas => _api.State("deployments", Namespace, Workload).Spec;

    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = within ?? TimeSpan.FromSeconds(30);
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > deadline)
            {
                Assert.Fail($"no {what} within {deadline.TotalSeconds} s; output of the scalers:\n{Outputs()}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null) => WaitUntilAsync(() => Task.FromResult(condition()), what, within);

    public string Outputs() => string.Join("\n\n", _scalers.Select(s => $"--- {s.Identity}:\n{s.Process.Output}"));

    private string Sender(string? authorization) =>
        _scalers.FirstOrDefault(s => authorization == $"Bearer {s.Token}")?.Identity ?? $"unknown ({authorization})";

    private static string Durations(TimeSpan value) => ((int)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";

    public async ValueTask DisposeAsync()
    {
        foreach (var scaler in _scalers)
        {
            await scaler.Process.DisposeAsync();
        }

        _http.Dispose();
        await _api.DisposeAsync();
        _directory.Dispose();
    }

    [GeneratedRegex(@"scaler listening on (http://\S+)")]
    private static partial Regex Listening();
}
