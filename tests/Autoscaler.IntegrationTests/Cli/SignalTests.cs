using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary>
/// Issue 15, finding 2: every long-running verb ends within 2 s of SIGTERM, says so, and prints no stack trace. Before,
/// simulate on a 1e308 trace ignored SIGTERM for 88 s and load --rate 1e308 never stopped.
/// </summary>
public sealed partial class SignalTests : IDisposable
{
    private const int Sigterm = 15;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Simulate_stops_within_2s_of_SIGTERM_in_the_middle_of_a_year_long_run()
    {
        var scenario = _dir.File("year.yaml");
        await File.WriteAllTextAsync(scenario, "duration: 365d\nworkload: sine(mean=100, amplitude=80, period=1h)\n", TestContext.Current.CancellationToken);
        await using var simulate = AutoscalerProcess.Start("simulate", scenario, "--output", _dir.File("out"));
        await simulate.WaitForLineAsync(SimulateStarted(), TimeSpan.FromSeconds(60));

        await AssertStopsAsync(simulate, ExitInterrupted, "simulate: interrupted; nothing written");
        Assert.False(Directory.Exists(_dir.File("out")), "nothing is written after an interruption");
    }

    [Fact]
    public async Task Simulate_stops_within_2s_of_SIGTERM_while_it_reads_a_trace_that_never_ends()
    {
        // A named pipe nobody writes to: reading the trace waits for ever, as on a trace too large to read in time.
        var fifo = _dir.File("trace.csv");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var scenario = Path.Combine(RepositoryRoot.Path, "scenarios", "trace.yaml");
        await using var simulate = AutoscalerProcess.Start("simulate", scenario, "--trace", fifo, "--output", _dir.File("out"));
        await WaitForBlockedReadAsync(simulate, "wait_for_partner");

        await AssertStopsAsync(simulate, ExitInterrupted, "simulate: interrupted; nothing written");
    }

    [Fact]
    public async Task Load_at_the_highest_rate_stops_within_2s_of_SIGTERM_and_prints_its_summary()
    {
        // 10 M req/s at a port that refuses: far more due than the machine can send, all the time. (With the default
        // 10,000 in flight, as many failures queue on the thread pool; on two busy cores they alone can take 2 s.)
        await using var load = AutoscalerProcess.Start("load", "--url", $"http://127.0.0.1:{FreePorts.Next()}/", "--rate", "1e7", "--duration", "1h", "--max-inflight", "1000");
        await load.WaitForLineAsync(LoadProgress(), TimeSpan.FromSeconds(60));

        await AssertStopsAsync(load, ExitInterrupted, "(interrupted)");
    }

    [Fact]
    public async Task Load_stops_within_2s_of_SIGTERM_while_requests_wait_on_a_replica_that_never_answers()
    {
        var (replica, url) = await AutoscalerProcess.StartWebAppAsync("--service-time", "1h", "--distribution", "Constant");
        await using var _ = replica;
        await using var load = AutoscalerProcess.Start("load", "--url", url.ToString(), "--rate", "50", "--duration", "1h");
        await load.WaitForLineAsync(LoadProgress(), TimeSpan.FromSeconds(60));

        await AssertStopsAsync(load, ExitInterrupted, "(interrupted)");
        Assert.Matches(@"failures\s+cancelled \d+", load.Output);
    }

    [Fact]
    public async Task Replay_stops_within_2s_of_SIGTERM_while_Prometheus_does_not_answer()
    {
        // A listener that accepts and never answers: a Prometheus that hangs, as one stopped with SIGSTOP.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        var accepting = Task.Run(
            async () =>
            {
                try
                {
                    while (true)
                    {
                        held.Add(await silent.AcceptSocketAsync(TestContext.Current.CancellationToken));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    // stopped
                }
            },
            TestContext.Current.CancellationToken);

        await using var replay = AutoscalerProcess.Start(
            "replay", "--prometheus", $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", "--query", "sum(rate(webapp_request_count_total[1m]))",
            "--start", "now-1h", "--output", _dir.File("out"));
        await replay.WaitForLineAsync(ReplayFetching(), TimeSpan.FromSeconds(60));

        await AssertStopsAsync(replay, ExitInterrupted, "replay: interrupted; nothing written");
        silent.Stop();
        await accepting;
        held.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Validate_waiting_on_standard_input_ends_at_once_on_SIGTERM()
    {
        await using var validate = AutoscalerProcess.Start("validate", "-");
        await WaitForBlockedReadAsync(validate, "anon_pipe_read");

        // Files are bounded (1 MiB) and read in a moment; standard input may wait for ever, and SIGTERM ends it as usual.
        await AssertStopsAsync(validate, 143, "autoscaler validate: interrupted by SIGTERM; nothing checked");
    }

    [Theory]
    [InlineData("webapp", "--port", "0")]
    [InlineData("gateway", "--port", "0", "--destination", "http://127.0.0.1:9/")]
    public async Task Serving_verbs_stop_within_2s_of_SIGTERM(params string[] args)
    {
        await using var verb = AutoscalerProcess.Start(args);
        await verb.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(60));

        await AssertStopsAsync(verb, 0, null);
    }

    private const int ExitInterrupted = 130;

    private static async Task AssertStopsAsync(AutoscalerProcess process, int exitCode, string? says)
    {
        var clock = Stopwatch.StartNew();
        process.Signal(Sigterm);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var took = clock.Elapsed;
        await Task.Delay(100, TestContext.Current.CancellationToken); // the last lines of output

        Assert.True(took <= Deadline, $"exited {took.TotalSeconds:0.00} s after SIGTERM; output:\n{process.Output}");
        Assert.Equal(exitCode, code);
        if (says is not null)
        {
            Assert.Contains(says, process.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(StackFrame(), process.Output);
        Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
    }

    // A verb that prints nothing while it waits: the condition is that one of its own threads (not the runtime's debug
    // pipe or signal reader) sleeps in the kernel function named, e.g. opening a FIFO nobody writes to.
    private static async Task WaitForBlockedReadAsync(AutoscalerProcess process, string kernelFunction)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!Directory.GetDirectories($"/proc/{process.Pid}/task").Any(task =>
            Read(Path.Combine(task, "wchan")) == kernelFunction
            && Read(Path.Combine(task, "comm")) is not (".NET DebugPipe" or ".NET SigHandler")))
        {
            Assert.False(process.HasExited, $"exited before reading; output:\n{process.Output}");
            await Task.Delay(50, timeout.Token);
        }

        static string Read(string path)
        {
            try
            {
                return File.ReadAllText(path).Trim();
            }
            catch (IOException)
            {
                return ""; // the thread ended meanwhile
            }
        }
    }

    [GeneratedRegex(@"^simulate: \S+: ")]
    private static partial Regex SimulateStarted();

    [GeneratedRegex(@"^load \d+s/")]
    private static partial Regex LoadProgress();

    [GeneratedRegex(@"^replay: fetching ")]
    private static partial Regex ReplayFetching();

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
