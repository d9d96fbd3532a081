using Autoscaler.Prometheus.Api;
using Autoscaler.Prometheus.Discovery;
using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Prometheus;

/// <summary>
/// A real Prometheus (1 s scrape interval) that finds real demo replicas through a file_sd file.
/// Disposing it stops every process it started and deletes its directory, also when starting failed half-way.
/// </summary>
public sealed class PrometheusStack : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("prometheus-it");
    private readonly List<(AutoscalerProcess Process, Uri Url)> _replicas = [];

    private PrometheusStack()
    {
        TargetsFile = new FileSdWriter(_directory.File("sd/webapp.json"));
    }

    public PrometheusServer Server { get; private set; } = null!;

    public PrometheusClient Client { get; private set; } = null!;

    public FileSdWriter TargetsFile { get; }

    public IReadOnlyList<(AutoscalerProcess Process, Uri Url)> Replicas => _replicas;

    /// <summary>Starts <paramref name="replicas"/> replicas (each with <c>--workers 3</c>), lists them in the file and starts Prometheus.</summary>
    public static async Task<PrometheusStack> StartAsync(int replicas, CancellationToken cancellationToken)
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        var stack = new PrometheusStack();
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                await stack.AddReplicaAsync();
            }

            await stack.WriteTargetsAsync(stack._replicas.Select(r => r.Url), cancellationToken);
            stack.Server = await PrometheusServer.StartAsync(
                new PrometheusServerOptions
                {
                    BinaryPath = binary,
                    WorkingDirectory = stack._directory.File("prometheus"),
                    Port = 0,
                    ScrapeInterval = TimeSpan.FromSeconds(1),
                    EvaluationInterval = TimeSpan.FromSeconds(1),
                    WebAppTargetsFile = stack.TargetsFile.Path,
                },
                cancellationToken: cancellationToken);
            stack.Client = stack.Server.CreateClient();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more replica; it is not listed in the file until <see cref="WriteTargetsAsync"/>.</summary>
    public async Task<(AutoscalerProcess Process, Uri Url)> AddReplicaAsync()
    {
        var replica = await AutoscalerProcess.StartWebAppAsync("--workers", "3", "--instance-id", $"prom-it-{_replicas.Count + 1}");
        _replicas.Add(replica);
        return replica;
    }

    public Task WriteTargetsAsync(IEnumerable<Uri> replicas, CancellationToken cancellationToken) =>
        TargetsFile.WriteAsync(replicas.Select(Target), new Dictionary<string, string> { ["service"] = "webapp" }, cancellationToken);

    public static string Target(Uri replica) => $"{replica.Host}:{replica.Port}";

    /// <summary>Polls until <paramref name="done"/> holds; fails with what was last seen and Prometheus's output.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                Assert.Fail($"{what} did not happen within {limit}; last seen: {value}\nprometheus output:\n{Server?.Output}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        foreach (var (process, _) in _replicas)
        {
            await process.DisposeAsync();
        }

        _directory.Dispose();
    }
}
