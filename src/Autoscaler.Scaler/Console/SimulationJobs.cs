using System.Globalization;
using Autoscaler.Core.PolicyFiles;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Scaler.Console;

/// <summary>Where a console replay is.</summary>
internal enum SimulationState
{
    /// <summary>Reading the history or simulating.</summary>
    Running,

    /// <summary>The report is written and listed.</summary>
    Done,

    /// <summary>It stopped on a problem; the message says which.</summary>
    Failed,

    /// <summary>Cancelled; nothing was kept.</summary>
    Cancelled,
}

/// <summary>A console replay as <c>GET /api/v1/simulations/{id}</c> shows it.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Service">The service whose policy it replays.</param>
/// <param name="State">Where it is.</param>
/// <param name="Progress">Share done, 0 to 1.</param>
/// <param name="Message">What it does now, or why it failed.</param>
/// <param name="Report">The URL of the report once done; null before.</param>
/// <param name="Started">When it was asked for.</param>
/// <param name="Hours">How many hours of history it replays.</param>
internal sealed record SimulationJobView(string Id, string Service, SimulationState State, double Progress, string Message, string? Report, DateTimeOffset Started, double Hours);

/// <summary>
/// The console's replays: one at a time per service, each in the background, written into a hidden folder of the
/// reports folder and renamed into place only when complete, so a failed or cancelled replay leaves nothing listed.
/// </summary>
internal sealed partial class SimulationJobs(IReplayRunner? runner, ReportsFolder reports, TimeProvider time, ILogger<SimulationJobs> log) : IDisposable
{
    /// <summary>The demand replayed when the request names none: requests per second over every replica.</summary>
    public const string DefaultQuery = "sum(rate(webapp_request_count_total[1m]))";

    /// <summary>The longest history a replay reads: 31 days.</summary>
    public const double MaxHours = 31 * 24;

    // Finished jobs are kept for their page; the oldest go beyond this many.
    private const int Kept = 50;

    private readonly Lock _lock = new();
    private readonly List<SimulationJob> _jobs = [];

    /// <summary>Why replays cannot run here (no runner, or no reports folder); null when they can.</summary>
    public string? Unavailable => reports.Directory is null
        ? "this scaler keeps no reports folder: start it with --reports DIR (up keeps WORK_DIR/reports)"
        : runner is null ? "this scaler cannot run replays (it was built without the simulator)" : null;

    /// <summary>The reports folder the replays write into.</summary>
    public ReportsFolder Reports => reports;

    /// <summary>
    /// Starts replaying the last <paramref name="hours"/> of <paramref name="service"/>'s demand (<paramref name="query"/>)
    /// through <paramref name="policy"/>; or, when one of that service's replays still runs, returns it as
    /// <c>Running</c> and starts nothing.
    /// </summary>
    public (SimulationJobView Job, bool Started) Start(string service, PolicySpec policy, double hours, string query)
    {
        if (Unavailable is { } why)
        {
            throw new InvalidOperationException(why);
        }

        lock (_lock)
        {
            if (_jobs.FirstOrDefault(j => j.Service == service && j.State == SimulationState.Running) is { } running)
            {
                return (running.View(), false);
            }

            var now = time.GetUtcNow();
            var name = FreeName($"replay-{service}-{now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            var job = new SimulationJob(Guid.NewGuid().ToString("N")[..12], service, name, now, hours);
            _jobs.Add(job);
            if (_jobs.Count > Kept && _jobs.FindIndex(j => j.State != SimulationState.Running) is var oldest and >= 0)
            {
                _jobs.RemoveAt(oldest);
            }

            var partial = Path.Combine(reports.Directory!, $".{name}.partial");
            var request = new ReplayRequest(service, policy, TimeSpan.FromHours(hours), query, partial);
            job.Run = Task.Run(() => RunAsync(job, request, Path.Combine(reports.Directory!, name)));
            return (job.View(), true);
        }
    }

    /// <summary>The job <paramref name="id"/>; null when there is none (or it is long gone).</summary>
    public SimulationJobView? Find(string id)
    {
        lock (_lock)
        {
            return _jobs.FirstOrDefault(j => j.Id == id)?.View();
        }
    }

    /// <summary>The jobs of <paramref name="service"/>, newest first.</summary>
    public IReadOnlyList<SimulationJobView> Of(string service)
    {
        lock (_lock)
        {
            return [.. _jobs.Where(j => j.Service == service).Reverse().Select(j => j.View())];
        }
    }

    /// <summary>
    /// Cancels job <paramref name="id"/> and waits (at most <paramref name="patience"/>) for it to stop; returns what it
    /// is then (a finished job stays as it was), or null when there is no such job.
    /// </summary>
    public async Task<SimulationJobView?> CancelAsync(string id, TimeSpan patience)
    {
        SimulationJob? job;
        lock (_lock)
        {
            job = _jobs.FirstOrDefault(j => j.Id == id);
        }

        if (job is null)
        {
            return null;
        }

        await job.Stop.CancelAsync();
        try
        {
            await job.Run!.WaitAsync(patience, time);
        }
        catch (TimeoutException)
        {
            // Still winding down: the answer says "running"; the hidden folder is removed when it ends.
        }

        return job.View();
    }

    /// <summary>Cancels every running replay (the scaler is stopping).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var job in _jobs)
            {
                job.Stop.Cancel();
            }
        }
    }

    private async Task RunAsync(SimulationJob job, ReplayRequest request, string final)
    {
        try
        {
            await runner!.RunAsync(request, new JobProgress(job), job.Stop.Token);
            job.Stop.Token.ThrowIfCancellationRequested();
            System.IO.Directory.Move(request.OutputDirectory, final);
            reports.Changed();
            job.Finish(SimulationState.Done, "done", ReportsFolder.UrlOf(Path.GetFileName(final)));
            LogDone(job.Service, job.Id, final);
        }
        catch (OperationCanceledException) when (job.Stop.IsCancellationRequested)
        {
            Remove(request.OutputDirectory);
            job.Finish(SimulationState.Cancelled, "cancelled; nothing was written", null);
            LogCancelled(job.Service, job.Id);
        }
        catch (Exception e)
        {
            Remove(request.OutputDirectory);
            var message = e is ReplayException ? e.Message : $"the replay failed: {e.Message}";
            job.Finish(SimulationState.Failed, message, null);
            LogFailed(job.Service, job.Id, message);
        }
    }

    private void Remove(string partial)
    {
        try
        {
            if (System.IO.Directory.Exists(partial))
            {
                System.IO.Directory.Delete(partial, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Hidden (its name starts with a dot), so never listed; say where it is so it can be removed by hand.
            LogLeftBehind(partial, e.Message);
        }
    }

    // A name already written, or taken by a running replay, gets -2, -3, … (a cancelled or failed one left nothing).
    private string FreeName(string name)
    {
        var candidate = name;
        for (var n = 2; System.IO.Directory.Exists(Path.Combine(reports.Directory!, candidate)) || _jobs.Any(j => j.Name == candidate && j.State == SimulationState.Running); n++)
        {
            candidate = $"{name}-{n}";
        }

        return candidate;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {Id} of {Service} wrote {Folder}")]
    private partial void LogDone(string service, string id, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay {Id} of {Service} cancelled")]
    private partial void LogCancelled(string service, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay {Id} of {Service} failed: {Problem}")]
    private partial void LogFailed(string service, string id, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the unfinished replay {Folder}: {Problem}")]
    private partial void LogLeftBehind(string folder, string problem);

    private sealed class SimulationJob(string id, string service, string name, DateTimeOffset started, double hours)
    {
        private readonly Lock _lock = new();
        private double _progress;
        private string _message = "starting";
        private string? _report;

        public string Id => id;

        public string Service => service;

        public string Name => name;

        public SimulationState State { get; private set; } = SimulationState.Running;

        public CancellationTokenSource Stop { get; } = new();

        public Task? Run { get; set; }

        public void Report(ReplayProgress progress)
        {
            lock (_lock)
            {
                if (State == SimulationState.Running)
                {
                    // Never backwards: a late report from a worker thread must not undo a newer one.
                    _progress = Math.Max(_progress, Math.Clamp(progress.Fraction, 0, 1));
                    _message = progress.Message;
                }
            }
        }

        public void Finish(SimulationState state, string message, string? report)
        {
            lock (_lock)
            {
                (State, _message, _report) = (state, message, report);
                if (state == SimulationState.Done)
                {
                    _progress = 1;
                }
            }
        }

        public SimulationJobView View()
        {
            lock (_lock)
            {
                return new SimulationJobView(id, service, State, _progress, _message, _report, started, hours);
            }
        }
    }

    // Sets the job's progress as it is reported (Progress<T> would post it to the thread pool, out of order).
    private sealed class JobProgress(SimulationJob job) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => job.Report(value);
    }
}
