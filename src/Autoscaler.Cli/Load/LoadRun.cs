using System.Globalization;

namespace Autoscaler.Cli.Load;

/// <summary>
/// One run of the load generator: sends on schedule, reports progress once a second, and on the end of the
/// schedule or on <c>stop</c> waits a bounded time for requests in flight before summarizing.
/// </summary>
internal sealed class LoadRun(LoadSettings settings, TimeProvider time, TextWriter progress, bool progressIsTerminal, HttpMessageHandler? handler = null)
{
    /// <summary>
    /// After Ctrl+C or SIGTERM, how long requests in flight may still finish: with the abort after it and the summary,
    /// the process is gone within 2 s of the signal.
    /// </summary>
    public static readonly TimeSpan InterruptGrace = TimeSpan.FromMilliseconds(300);

    // After the abort, how long cancelled requests may take to be counted: at the end of a run, and once interrupted.
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan InterruptedAbortWait = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    // What SummarizeNow reads while RunAsync runs.
    private LoadStats? _stats;
    private long _start;

    /// <summary>
    /// The summary of what has been counted so far, as an interrupted run's, from any thread; null before the run starts.
    /// For a last word when the run cannot end in time (see <see cref="Interruption"/>).
    /// </summary>
    public LoadSummary? SummarizeNow() => Volatile.Read(ref _stats) is { } stats
        ? stats.Summarize(new LoadRunInfo(settings.Url.ToString(), settings.PatternDescription, settings.Duration), time.GetElapsedTime(Volatile.Read(ref _start)), interrupted: true)
        : null;

    public async Task<LoadSummary> RunAsync(CancellationToken stop)
    {
        var stats = new LoadStats(settings.Duration);
        using var client = new HttpLoadClient(settings, stats, time, handler);
        await client.WarmUpAsync(Min(settings.Timeout, WarmUpLimit), stop);
        var start = time.GetTimestamp();
        Volatile.Write(ref _start, start);
        Volatile.Write(ref _stats, stats);
        client.BeginRun(start);
        var sender = new OpenLoopSender(new SendSchedule(settings.Pattern, settings.Duration), time, start, client.Dispatch, settings.MaxRequests);
        using var progressStop = new CancellationTokenSource();
        var reporter = ReportProgressAsync(stats, client, start, progressStop.Token);

        await RunSenderAsync(sender, stop);
        var sendingEnded = time.GetElapsedTime(start);
        var reachedCap = settings.MaxRequests is { } cap && sender.Dispatched >= cap;

        // A full schedule covers the whole duration even though its last request is due a little before the end.
        var window = stop.IsCancellationRequested || reachedCap ? sendingEnded : Max(sendingEnded, settings.Duration);

        await DrainAsync(client, start, stop);
        client.Abort();
        await WaitForInflightAsync(client, start, time.GetElapsedTime(start) + (stop.IsCancellationRequested ? InterruptedAbortWait : AbortWait), CancellationToken.None);

        await progressStop.CancelAsync();
        await reporter;
        var info = new LoadRunInfo(settings.Url.ToString(), settings.PatternDescription, settings.Duration);
        return stats.Summarize(info, window, stop.IsCancellationRequested);
    }

    private Task RunSenderAsync(OpenLoopSender sender, CancellationToken stop)
    {
        if (!ReferenceEquals(time, TimeProvider.System))
        {
            return Task.Run(() => sender.RunAsync(stop), CancellationToken.None);
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                sender.Run(stop);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "load sender",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Waits for requests in flight: up to the request timeout normally, the short grace once stopped.</summary>
    private async Task DrainAsync(HttpLoadClient client, long start, CancellationToken stop)
    {
        if (!stop.IsCancellationRequested)
        {
            var deadline = time.GetElapsedTime(start) + settings.Timeout + TimeSpan.FromSeconds(1);
            if (await WaitForInflightAsync(client, start, deadline, stop) || !stop.IsCancellationRequested)
            {
                return;
            }
        }

        await WaitForInflightAsync(client, start, time.GetElapsedTime(start) + InterruptGrace, CancellationToken.None);
    }

    /// <summary>True when nothing is in flight any more; false at the deadline or when <paramref name="cancel"/> fires.</summary>
    private async Task<bool> WaitForInflightAsync(HttpLoadClient client, long start, TimeSpan deadline, CancellationToken cancel)
    {
        while (client.InFlight > 0)
        {
            if (time.GetElapsedTime(start) >= deadline || cancel.IsCancellationRequested)
            {
                return false;
            }

            try
            {
                await Task.Delay(PollInterval, time, cancel);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    private async Task ReportProgressAsync(LoadStats stats, HttpLoadClient client, long start, CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        long lastSent = 0, lastSucceeded = 0;
        var lastLatency = TimeSpan.Zero;
        var width = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                var (sent, succeeded, latency) = (stats.Sent, stats.Succeeded, stats.LatencySum);
                var newlySucceeded = succeeded - lastSucceeded;
                var mean = newlySucceeded == 0 ? "-" : ((latency - lastLatency) / newlySucceeded).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
                var elapsed = (int)time.GetElapsedTime(start).TotalSeconds;
                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"load {elapsed}s/{(int)Math.Ceiling(settings.Duration.TotalSeconds)}s  sent {sent} ({sent - lastSent}/s)  ok {succeeded}  failed {stats.Failed}  in flight {client.InFlight}  mean {mean}");
                (lastSent, lastSucceeded, lastLatency) = (sent, succeeded, latency);
                if (progressIsTerminal)
                {
                    await progress.WriteAsync("\r" + line.PadRight(width));
                    width = line.Length;
                }
                else
                {
                    await progress.WriteLineAsync(line);
                }

                await progress.FlushAsync(cancel);
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (progressIsTerminal && width > 0)
        {
            await progress.WriteLineAsync();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
