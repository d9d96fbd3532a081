using System.Net;

namespace Autoscaler.Cli.Load;

/// <summary>
/// Sends the requests of a run over one HTTP handler (no connection cap, no proxy) and records each outcome.
/// <see cref="Dispatch"/> only starts a request; it never waits for one. The hot path is kept light: a bare
/// <see cref="HttpMessageInvoker"/> rather than <see cref="HttpClient"/> (whose timeout costs a timer per request),
/// shared timeout tokens, and no buffering of response bodies.
/// </summary>
internal sealed class HttpLoadClient : IDisposable
{
    private const string InstanceHeader = "X-Instance-Id";
    private readonly HttpMessageInvoker _client;
    private readonly TimeoutSlots _timeouts;
    private readonly Uri _url;
    private readonly LoadStats _stats;
    private readonly TimeProvider _time;
    private long _start;
    private readonly int _maxInflight;
    private volatile bool _aborted;
    private int _inflight;

    public HttpLoadClient(LoadSettings settings, LoadStats stats, TimeProvider time, HttpMessageHandler? handler = null)
    {
        _url = settings.Url;
        _stats = stats;
        _time = time;
        _start = time.GetTimestamp();
        _maxInflight = settings.MaxInflight;
        _client = new HttpMessageInvoker(handler ?? CreateHandler(settings.Timeout), disposeHandler: true);
        _timeouts = new TimeoutSlots(settings.Timeout, time, _start);
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

    /// <summary>
    /// Sends one request that is not counted, so that the first scheduled requests do not wait for the code
    /// path to be compiled or the first connection to open. Its outcome does not matter.
    /// </summary>
    public async Task WarmUpAsync(TimeSpan limit, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cancel.CancelAfter(limit);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, _url);
            using var response = await _client.SendAsync(message, cancel.Token).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>Marks the start of the run: intended send times are offsets from <paramref name="start"/>.</summary>
    public void BeginRun(long start) => Volatile.Write(ref _start, start);

    public void Dispatch(DueRequest request)
    {
        if (Volatile.Read(ref _inflight) >= _maxInflight)
        {
            _stats.RecordSkipped(request.Intended, FailureKinds.ClientOverloaded);
            return;
        }

        Interlocked.Increment(ref _inflight);
        _stats.RecordSent(request.Intended, request.Late);
        _ = SendAsync(request.Intended, _timeouts.Next());
    }

    /// <summary>Cancels whatever is still in flight; those requests count as <c>cancelled</c>.</summary>
    public void Abort()
    {
        _aborted = true;
        _timeouts.CancelAll();
    }

    public void Dispose()
    {
        Abort();
        _client.Dispose();
        _timeouts.Dispose();
    }

    private async Task SendAsync(TimeSpan intended, CancellationToken timeout)
    {
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, _url);
            using var response = await _client.SendAsync(message, timeout).ConfigureAwait(false);

            // The whole body counts towards latency, and reading it to the end frees the connection for reuse.
            await response.Content.CopyToAsync(Stream.Null, timeout).ConfigureAwait(false);
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
            _stats.RecordFailure(intended, FailureKinds.ForException(e, _aborted));
        }
        finally
        {
            Interlocked.Decrement(ref _inflight);
        }
    }
}
