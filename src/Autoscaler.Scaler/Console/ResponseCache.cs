namespace Autoscaler.Scaler.Console;

/// <summary>
/// What the console's polled endpoints answered, per service and endpoint, for a few seconds: however many consoles are
/// open, each answer is computed (and Prometheus asked) once per window. Concurrent requests for an answer being
/// computed wait for that one computation. A failed computation is not kept, nor is an answer past its window once
/// another is computed (so a removed service's answers do not stay for ever).
/// </summary>
internal sealed class ResponseCache(TimeProvider time, TimeSpan? window = null)
{
    /// <summary>How long an answer is reused: shorter than any page's polling interval, so pages stay live.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(2);

    // No computation may hang an endpoint for ever; nor may one viewer's closed tab cancel it for the others.
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly TimeSpan _window = window ?? DefaultWindow;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Stamp, Task<byte[]> Answer)> _entries = new(StringComparer.Ordinal);

    /// <summary>Answers kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The answer for <paramref name="key"/>: the one computed within the window, or a new one from <paramref name="compute"/>.</summary>
    public Task<byte[]> GetAsync(string key, Func<CancellationToken, Task<byte[]>> compute)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (_entries.TryGetValue(key, out var entry)
                && time.GetElapsedTime(entry.Stamp, now) < _window
                && !entry.Answer.IsFaulted && !entry.Answer.IsCanceled)
            {
                return entry.Answer;
            }

            foreach (var (stale, _) in _entries.Where(e => e.Value.Answer.IsCompleted && time.GetElapsedTime(e.Value.Stamp, now) >= _window).ToList())
            {
                _entries.Remove(stale);
            }

            var answer = Task.Run(async () =>
            {
                using var timeout = new CancellationTokenSource(Timeout, time);
                return await compute(timeout.Token);
            });
            _entries[key] = (now, answer);
            return answer;
        }
    }

    /// <summary>Forgets the answers of <paramref name="service"/> (after a change through the console, so the next poll shows it).</summary>
    public void Forget(string service)
    {
        lock (_lock)
        {
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(service + "/", StringComparison.Ordinal)).ToList())
            {
                _entries.Remove(key);
            }
        }
    }
}
