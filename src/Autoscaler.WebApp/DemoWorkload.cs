using Autoscaler.Core.ServiceModel;

namespace Autoscaler.WebApp;

/// <summary>What happened to one request to <c>/</c>.</summary>
internal enum WorkResult
{
    Ok,
    Rejected,
    InjectedError,
}

/// <summary>One request's outcome with the time it waited for a worker and the time it worked.</summary>
internal readonly record struct WorkOutcome(WorkResult Result, TimeSpan Wait, TimeSpan Service);

/// <summary>
/// Does one unit of simulated work: waits for a worker of the FIFO pool, then "works" for a drawn
/// service time. Both are real asynchronous delays, so latency truly grows with load.
/// </summary>
internal sealed class DemoWorkload
{
    private readonly WebAppOptions _options;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly FifoWorkerPool _pool;
    private readonly Lock _randomLock = new();
    private readonly Random _random;
    private readonly ServiceTimeSampler _sampler;

    public DemoWorkload(WebAppOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _origin = time.GetTimestamp();
        _pool = new FifoWorkerPool(options.Workers, options.QueueLimit);
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _sampler = new ServiceTimeSampler(options.Distribution, options.ServiceTime, _random);
    }

    public ResponseTimeWindow ResponseTimes { get; } = new();

    /// <summary>Time since this workload was created, on its clock.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_origin);

    public (int InService, int Waiting) Occupancy => _pool.Occupancy(Now);

    public async Task<WorkOutcome> ExecuteAsync(CancellationToken cancellationToken)
    {
        var arrival = Now;
        TimeSpan service;
        bool fail;
        lock (_randomLock)
        {
            service = _sampler.Next() * _options.LatencyMultiplier;
            fail = _options.ErrorRate > 0 && _random.NextDouble() < _options.ErrorRate;
        }

        var admission = _pool.Admit(arrival, service);
        if (!admission.Accepted)
        {
            return new WorkOutcome(WorkResult.Rejected, TimeSpan.Zero, TimeSpan.Zero);
        }

        // Never answer before the pool's end of the request: a timer rounds to whole milliseconds and may fire up to one
        // early, and an answer that early lets a gateway that keeps exactly workers + queue in flight send the next request
        // while the pool still counts this one, which is then turned away with 503 (bench/live/step.sh: 51-62 per run).
        for (var remaining = admission.End - Now; remaining > TimeSpan.Zero; remaining = admission.End - Now)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), _time, cancellationToken);
        }

        var done = Now;
        ResponseTimes.Record(done, done - arrival);
        return new WorkOutcome(fail ? WorkResult.InjectedError : WorkResult.Ok, admission.Wait(arrival), service);
    }
}
