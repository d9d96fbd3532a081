using Autoscaler.Cli.Up;
using Autoscaler.Core.Processes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Cli.Tests.Up;

/// <summary>The supervision of up's children, with stand-in children whose exit the test decides and a fake clock.</summary>
public sealed class ChildSupervisorTests
{
    private static readonly RestartBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(60));
    private readonly FakeTimeProvider _clock = new();
    private readonly Lines _log = new();
    private readonly List<Child> _started = [];
    private readonly Queue<Exception> _failures = new();

    private Task<Child> StartAsync(CancellationToken cancellationToken)
    {
        if (_failures.TryDequeue(out var failure))
        {
            throw failure;
        }

        var child = new Child(100 + _started.Count);
        lock (_started)
        {
            _started.Add(child);
        }

        return Task.FromResult(child);
    }

    private ChildSupervisor<Child> Supervise(Child first) => new("Prometheus", first, StartAsync, _clock, _log, Backoff);

    [Fact]
    public async Task A_child_that_dies_is_logged_and_started_again_after_the_backoff()
    {
        var first = new Child(99);
        await using var supervisor = Supervise(first);

        first.Die(137, "level=info msg=\"Server is ready to receive web requests.\"");
        await WaitFor(() => supervisor.Problem is not null);
        Assert.Equal("Prometheus exited with code 137 (SIGKILL); restarting it", supervisor.Problem);
        var line = Assert.Single(_log.All, l => l.Contains("exited", StringComparison.Ordinal));
        Assert.Contains("Prometheus (pid 99) exited with code 137 (SIGKILL)", line, StringComparison.Ordinal);
        Assert.Contains("starting it again in 1s", line, StringComparison.Ordinal);
        Assert.Contains("Server is ready to receive web requests", line, StringComparison.Ordinal);
        Assert.True(first.Disposed);

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(_started);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitFor(() => supervisor.Restarts == 1);
        Assert.Same(_started[0], supervisor.Current);
        Assert.Null(supervisor.Problem);
        Assert.Contains(_log.All, l => l.Contains("Prometheus started again (pid 100; restart 1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deaths_soon_after_a_start_double_the_wait_up_to_the_maximum_and_a_long_run_resets_it()
    {
        var child = new Child(99);
        await using var supervisor = Supervise(child);
        var waits = new List<double>();
        for (var restart = 1; restart <= 6; restart++)
        {
            if (restart == 6)
            {
                _clock.Advance(TimeSpan.FromSeconds(60)); // ran a minute: healthy again
            }

            supervisor.Current.Die(1, "crash");
            waits.Add(await TimeUntilRestartAsync(supervisor, restart));
        }

        Assert.Equal([1, 2, 4, 8, 8, 1], waits);
    }

    [Fact]
    public async Task A_child_that_cannot_start_again_is_retried_with_the_backoff_and_the_problem_says_why()
    {
        var first = new Child(99);
        await using var supervisor = Supervise(first);
        _failures.Enqueue(new InvalidOperationException("prometheus exited with code 1 before it was ready\nlevel=error msg=\"address already in use\""));

        first.Die(137, "");
        await WaitFor(() => supervisor.Problem is not null);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await WaitFor(() => supervisor.Problem?.Contains("could not be started again", StringComparison.Ordinal) == true);
        Assert.Equal("Prometheus is down and could not be started again: prometheus exited with code 1 before it was ready", supervisor.Problem);
        Assert.Contains(_log.All, l => l.Contains("next attempt in 2s", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await WaitFor(() => supervisor.Restarts == 1);
        Assert.Null(supervisor.Problem);
    }

    [Fact]
    public async Task Disposing_stops_the_child_and_never_starts_another()
    {
        var first = new Child(99);
        var supervisor = Supervise(first);

        await supervisor.DisposeAsync();
        first.Die(143, "");
        _clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(100, TestContext.Current.CancellationToken);

        Assert.True(first.Disposed);
        Assert.Empty(_started);
        Assert.DoesNotContain(_log.All, l => l.Contains("exited", StringComparison.Ordinal));
    }

    private async Task<double> TimeUntilRestartAsync(ChildSupervisor<Child> supervisor, int restarts)
    {
        await WaitFor(() => supervisor.Problem is not null);
        for (var waited = 0; ; waited++)
        {
            if (supervisor.Restarts == restarts)
            {
                await WaitFor(() => supervisor.Problem is null);
                return waited;
            }

            _clock.Advance(TimeSpan.FromSeconds(1));
            for (var poll = 0; poll < 20 && supervisor.Restarts != restarts; poll++)
            {
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }

            if (waited > 60)
            {
                throw new TimeoutException($"no restart {restarts}");
            }
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    internal sealed class Child(int pid) : IChildProcess
    {
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "prometheus";

        public int ProcessId => pid;

        public Task Exited => _exited.Task;

        public int? ExitCode { get; private set; }

        public string Output { get; private set; } = "";

        public bool Disposed { get; private set; }

        public void Die(int code, string output)
        {
            (ExitCode, Output) = (code, output);
            _exited.TrySetResult();
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Lines : ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> All => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));
    }
}
