using System.Globalization;
using System.Text.Json;
using Autoscaler.IntegrationTests.Live;

namespace Autoscaler.IntegrationTests.Console;

/// <summary>
/// One `autoscaler up` for every console test (starting a stack costs about 15 s, and CI is near its budget): checks,
/// scrapes and evaluations every second; scaling in turned off (a scale-down threshold of 0, which no latency goes
/// below), so a count the token test sets stays where it was set; `autoscaler load` once the overview test asks
/// (<see cref="StartLoad"/>). A simulation report is written into up's reports folder (WORK_DIR/reports) for the
/// Simulations page. Started by the first test that asks, so a missing binary skips the tests instead of failing a fixture.
/// </summary>
public sealed class ConsoleStack : IAsyncDisposable
{
    /// <summary>The report the stack's reports folder holds.</summary>
    public const string ReportName = "step-up-down";

    /// <summary>The most replicas the stack may run (the token test asks for one more, or one fewer at this limit).</summary>
    public const int MaxReplicas = 6;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private LiveStack? _stack;
    private AutoscalerProcess? _load;

    internal LiveStack Stack => _stack ?? throw new InvalidOperationException("not started");

    /// <summary>The only service of up's fleet.</summary>
    public static string Service => "webapp";

    internal Uri Page(string page) => new(Stack.Scaler, $"#/s/{Service}/{page}");

    internal async Task<LiveStack> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_stack is null)
            {
                var stack = await LiveStack.StartAsync("--scale-down-threshold", "0", "--max-replicas", MaxReplicas.ToString(CultureInfo.InvariantCulture), "--replica-arg=--queue-limit", "--replica-arg=1000");
                _stack = stack;
                await using var simulate = AutoscalerProcess.Start("simulate", Path.Combine(AppContext.BaseDirectory, "scenarios", "step-up-down.yaml"),
                    "--output", Path.Combine(stack.WorkDirectory, "reports", ReportName));
                Assert.True(await simulate.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, simulate.Output);
            }

            return _stack;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts `autoscaler load` at 70 req/s for 45 s, which one replica (40 req/s) cannot serve: the overview test starts
    /// it once its page shows the single replica, so it sees the scale-out happen.
    /// </summary>
    internal void StartLoad() =>
        _load ??= AutoscalerProcess.Start("load", "--url", Stack.Gateway.ToString(), "--rate", "70", "--duration", "45s");

    /// <summary>Waits for the load to end, if a test started it.</summary>
    internal async Task LoadFinishedAsync()
    {
        if (_load is not null)
        {
            Assert.Equal(0, await _load.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }
    }

    /// <summary>The token up made for the session, from its work directory (as a user reads it).</summary>
    internal async Task<string> TokenAsync() =>
        (await File.ReadAllTextAsync(Path.Combine(Stack.WorkDirectory, "api-token"))).Trim();

    internal async Task<JsonElement> DecisionsAsync() =>
        JsonDocument.Parse(await Stack.Http.GetStringAsync(new Uri(Stack.Scaler, "api/v1/decisions"))).RootElement;

    public async ValueTask DisposeAsync()
    {
        if (_load is not null)
        {
            await _load.DisposeAsync();
        }

        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        _gate.Dispose();
    }
}
