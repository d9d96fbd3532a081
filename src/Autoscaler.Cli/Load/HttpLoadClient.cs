using System.Net;

namespace Autoscaler.Cli.Load;

/// <summary>
/// Sends the requests of a run over one <see cref="HttpClient"/> (no connection cap, no proxy) and records
/// each outcome. <see cref="Dispatch"/> only starts a request; it never waits for one.
/// </summary>
internal sealed class HttpLoadClient : IDisposable
{
    private const string InstanceHeader = "X-Instance-Id";
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly LoadStats _stats;
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly int _maxInflight;
    private readonly CancellationTokenSource _abort = new();
    private int _inflight;

    public HttpLoadClient(LoadSettings settings, LoadStats stats, TimeProvider time, long start, HttpMessageHandler? handler = null)
    {
        _url = settings.Url;
        _stats = stats;
        _time = time;
        _start = start;
        _maxInflight = settings.MaxInflight;
        _client = new HttpClient(handler ?? CreateHandler(settings.Timeout), disposeHandler: true) { Timeout = settings.Timeout };
    }

    public int InFlight => Volatile.Read(ref _inflight);

    public static SocketsHttpHandler CreateHandler(TimeSpan timeout) => new()
    {
        UseProxy = false,
        MaxConnectionsPerServer = int.MaxValue,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = timeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };

    public void Dispatch(DueRequest request)
    {
        if (Volatile.Read(ref _inflight) >= _maxInflight)
        {
            _stats.RecordSkipped(request.Intended, FailureKinds.ClientOverloaded);
            return;
        }

        Interlocked.Increment(ref _inflight);
        _stats.RecordSent(request.Intended, request.Late);
        _ = SendAsync(request.Intended);
    }

    /// <summary>Cancels whatever is still in flight; those requests count as <c>cancelled</c>.</summary>
    public void Abort() => _abort.Cancel();

    public void Dispose()
    {
        _abort.Cancel();
        _client.Dispose();
        _abort.Dispose();
    }

    private async Task SendAsync(TimeSpan intended)
    {
        try
        {
            using var response = await _client.GetAsync(_url, _abort.Token).ConfigureAwait(false);
            var latency = _time.GetElapsedTime(_start) - intended;
            var instance = response.Headers.NonValidated.TryGetValues(InstanceHeader, out var values) ? values.ToString() : null;
            if (response.IsSuccessStatusCode)
            {
                _stats.RecordSuccess(intended, latency, instance);
            }
            else
            {
                _stats.RecordFailure(intended, FailureKinds.ForStatus((int)response.StatusCode), instance);
            }
        }
        catch (Exception e)
        {
            _stats.RecordFailure(intended, FailureKinds.ForException(e, _abort.IsCancellationRequested));
        }
        finally
        {
            Interlocked.Decrement(ref _inflight);
        }
    }
}
