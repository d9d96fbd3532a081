using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Time;

namespace Autoscaler.Prometheus.Api;

/// <summary>
/// Typed client for the Prometheus HTTP API. Every backend problem comes back as a result, never as an
/// exception; only cancellation by the caller's token throws (<see cref="OperationCanceledException"/>).
/// </summary>
public sealed class PrometheusClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly PrometheusClientOptions _options;
    private readonly TimeProvider _time;

    /// <summary>A client with its own HTTP stack built from <paramref name="options"/> (TLS, timeouts).</summary>
    public PrometheusClient(PrometheusClientOptions options, TimeProvider? time = null)
        : this(PrometheusHttp.CreateHttpClient(options), options, time, ownsHttp: true)
    {
    }

    /// <summary>A client over a given <see cref="HttpClient"/>, which it does not dispose; headers and timeouts still come from <paramref name="options"/>.</summary>
    public PrometheusClient(HttpClient http, PrometheusClientOptions options, TimeProvider? time = null)
        : this(http, options, time, ownsHttp: false)
    {
    }

    private PrometheusClient(HttpClient http, PrometheusClientOptions options, TimeProvider? time, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _ownsHttp = ownsHttp;
        _options = options;
        _time = time ?? TimeProvider.System;
        var url = options.Url.EndsWith('/') ? options.Url : options.Url + "/";
        BaseUrl = new Uri(url, UriKind.Absolute);
    }

    /// <summary>The server's base address (always ending in '/').</summary>
    public Uri BaseUrl { get; }

    /// <summary>Evaluates <paramref name="promql"/> at one instant (<c>/api/v1/query</c>); now when <paramref name="time"/> is null.</summary>
    public Task<PrometheusResult<InstantQueryData>> QueryAsync(string promql, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promql);
        var query = "api/v1/query?query=" + Uri.EscapeDataString(promql);
        if (time is { } at)
        {
            query += "&time=" + FormatTime(at);
        }

        return SendApiAsync(query, PrometheusJson.ParseInstant, cancellationToken);
    }

    /// <summary>Evaluates <paramref name="promql"/> over a time range (<c>/api/v1/query_range</c>) and returns its series.</summary>
    public Task<PrometheusResult<IReadOnlyList<PrometheusSeries>>> QueryRangeAsync(
        string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promql);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        var query = "api/v1/query_range?query=" + Uri.EscapeDataString(promql)
            + "&start=" + FormatTime(start)
            + "&end=" + FormatTime(end)
            + "&step=" + step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return SendApiAsync(query, PrometheusJson.ParseRange, cancellationToken);
    }

    /// <summary>The active scrape targets (<c>/api/v1/targets?state=active</c>).</summary>
    public Task<PrometheusResult<IReadOnlyList<PrometheusTarget>>> GetTargetsAsync(CancellationToken cancellationToken = default) =>
        SendApiAsync("api/v1/targets?state=active", PrometheusJson.ParseTargets, cancellationToken);

    /// <summary>
    /// Asks <c>/-/ready</c>: true when Prometheus serves queries, false while it is still starting (503);
    /// an error when it cannot be asked.
    /// </summary>
    public Task<PrometheusResult<bool>> IsReadyAsync(CancellationToken cancellationToken = default) =>
        SendAsync("-/ready", HttpMethod.Get, (url, status, body) => status switch
        {
            HttpStatusCode.OK => PrometheusResult<bool>.Ok(true),
            HttpStatusCode.ServiceUnavailable => PrometheusResult<bool>.Ok(false),
            _ => PrometheusResult<bool>.Fail(HttpError(url, status, body)),
        }, cancellationToken);

    /// <summary>Asks Prometheus to reread its configuration (<c>POST /-/reload</c>; needs <c>--web.enable-lifecycle</c>).</summary>
    public Task<PrometheusResult<bool>> ReloadAsync(CancellationToken cancellationToken = default) =>
        SendAsync("-/reload", HttpMethod.Post, (url, status, body) => (int)status is >= 200 and < 300
            ? PrometheusResult<bool>.Ok(true)
            : PrometheusResult<bool>.Fail(HttpError(url, status, body)), cancellationToken);

    /// <summary>
    /// Runs an instant query that must yield exactly one finite number: a vector of one sample, or a scalar.
    /// No data, NaN/Inf, several series, a range or string result and every API failure come back as a failure.
    /// </summary>
    public async Task<ScalarQueryResult> QueryScalarAsync(string promql, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(promql, null, cancellationToken).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            return new ScalarQueryResult(null, error.ToFailureKind(), error.Message) { Error = error };
        }

        var data = result.Value!;
        switch (data.ResultType)
        {
            case PrometheusResultType.Matrix:
                return new ScalarQueryResult(null, MetricFailureKind.QueryError,
                    $"the query returns a range vector (matrix, {data.Series.Count} series), but one number is needed: "
                    + $"reduce it over time, e.g. avg_over_time({promql}): {promql}")
                { SeriesCount = data.Series.Count };
            case PrometheusResultType.String:
                return new ScalarQueryResult(null, MetricFailureKind.QueryError,
                    $"the query returns a string (\"{data.StringValue}\"), but one number is needed: {promql}");
        }

        var samples = data.Samples;
        if (samples.Count == 0)
        {
            return new ScalarQueryResult(null, MetricFailureKind.NoData, $"no data: the query returned an empty vector: {promql}");
        }

        if (samples.Count > 1)
        {
            var shown = string.Join(", ", samples.Take(3).Select(s => FormatLabels(s.Labels)));
            return new ScalarQueryResult(null, MetricFailureKind.TooManySeries,
                $"the query returned {samples.Count} series where one is expected ({shown}{(samples.Count > 3 ? ", …" : "")}); "
                + $"aggregate them, e.g. avg({promql})")
            { SeriesCount = samples.Count };
        }

        var sample = samples[0];
        if (!double.IsFinite(sample.Value))
        {
            return new ScalarQueryResult(null, MetricFailureKind.NotFinite,
                $"the query returned {PrometheusJson.FormatValue(sample.Value)}, not a finite number: {promql}")
            { Labels = sample.Labels, Timestamp = sample.Timestamp, SeriesCount = 1 };
        }

        return new ScalarQueryResult(sample.Value, null, null) { Labels = sample.Labels, Timestamp = sample.Timestamp, SeriesCount = 1 };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>Shows labels the way PromQL writes them: <c>{job="webapp", instance="…"}</c>.</summary>
    public static string FormatLabels(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var name = labels.TryGetValue("__name__", out var n) ? n : "";
        var rest = labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{l.Key}={JsonSerializer.Serialize(l.Value, PrometheusJsonContext.Default.String)}");
        return name + "{" + string.Join(", ", rest) + "}";
    }

    private Task<PrometheusResult<T>> SendApiAsync<T>(string relative, Func<JsonElement, T> parse, CancellationToken cancellationToken) =>
        SendAsync(relative, HttpMethod.Get, (url, status, body) => Interpret(url, status, body, parse), cancellationToken);

    private async Task<PrometheusResult<T>> SendAsync<T>(
        string relative, HttpMethod method, Func<Uri, HttpStatusCode, byte[], PrometheusResult<T>> interpret, CancellationToken cancellationToken)
    {
        var url = new Uri(BaseUrl, relative);
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(method, url);
            try
            {
                request.Headers.Authorization = PrometheusHttp.Authorization(_options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.HttpError,
                    $"no request sent to Prometheus at {Show(url)}: its credentials file cannot be read ({e.Message})"));
            }

            foreach (var (name, value) in _options.Headers)
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
            return interpret(url, response.StatusCode, body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.Timeout,
                $"Prometheus at {Show(url)} did not answer within {Durations.Format(_options.Timeout)}"));
        }
        catch (HttpRequestException e)
        {
            return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.Unreachable,
                $"cannot reach Prometheus at {Show(url)}: {Describe(e)}"));
        }
    }

    private static PrometheusResult<T> Interpret<T>(Uri url, HttpStatusCode status, byte[] body, Func<JsonElement, T> parse)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return PrometheusResult<T>.Fail((int)status is >= 200 and < 300
                ? new PrometheusError(PrometheusErrorKind.InvalidResponse,
                    $"Prometheus at {Show(url)} answered {(int)status} but not with the API's JSON (is the URL right?): {Excerpt(body)}", StatusCode: (int)status)
                : HttpError(url, status, body));
        }

        using (document)
        {
            var root = document.RootElement;
            var apiStatus = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()
                : null;
            if (apiStatus == "error")
            {
                var errorType = PrometheusJson.StringOrNull(root, "errorType") ?? "error";
                var error = PrometheusJson.StringOrNull(root, "error") ?? "(no message)";
                return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.QueryError,
                    $"Prometheus answered {(int)status} {errorType}: {error}", errorType, (int)status));
            }

            if ((int)status is < 200 or >= 300)
            {
                return PrometheusResult<T>.Fail(HttpError(url, status, body));
            }

            if (apiStatus != "success" || !root.TryGetProperty("data", out var data))
            {
                return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.InvalidResponse,
                    $"Prometheus at {Show(url)} answered without \"status\":\"success\" and \"data\": {Excerpt(body)}", StatusCode: (int)status));
            }

            try
            {
                return PrometheusResult<T>.Ok(parse(data), PrometheusJson.Warnings(root));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or OverflowException or ArgumentException)
            {
                return PrometheusResult<T>.Fail(new PrometheusError(PrometheusErrorKind.InvalidResponse,
                    $"Prometheus at {Show(url)} sent data this client cannot read ({e.Message}): {Excerpt(body)}", StatusCode: (int)status));
            }
        }
    }

    private static PrometheusError HttpError(Uri url, HttpStatusCode status, byte[] body)
    {
        var excerpt = Excerpt(body);
        return new PrometheusError(PrometheusErrorKind.HttpError,
            $"Prometheus at {Show(url)} answered HTTP {(int)status} {status}{(excerpt.Length > 0 ? ": " + excerpt : "")}", StatusCode: (int)status);
    }

    private static string Describe(HttpRequestException e)
    {
        var innermost = e.GetBaseException().Message;
        var what = ClientCertificateRefused(innermost) ? "TLS refused: the server wants a client certificate it trusts (Prometheus:ClientCertificateFile and ClientKeyFile)" : e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name not resolved (DNS)",
            HttpRequestError.ConnectionError when e.GetBaseException() is SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            _ when e.GetBaseException() is AuthenticationException => "TLS handshake failed",
            _ => "request failed",
        };
        return innermost.Length > 0 && innermost != e.Message ? $"{what} ({innermost})" : $"{what} ({e.Message})";
    }

    // TLS alerts a server sends when mutual TLS fails: no certificate (TLS 1.3's certificate_required, or bad_certificate
    // from servers such as Go's), or one from a CA it does not trust.
    private static bool ClientCertificateRefused(string message) =>
        message.Contains("alert bad certificate", StringComparison.OrdinalIgnoreCase)
        || message.Contains("alert certificate required", StringComparison.OrdinalIgnoreCase)
        || message.Contains("alert unknown ca", StringComparison.OrdinalIgnoreCase);

    private static string Excerpt(byte[] body)
    {
        const int Max = 200;
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, Max * 4));
        var collapsed = new StringBuilder(Math.Min(text.Length, Max + 1));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = collapsed.Length > 0;
                continue;
            }

            if (space)
            {
                collapsed.Append(' ');
                space = false;
            }

            collapsed.Append(c);
            if (collapsed.Length >= Max)
            {
                return collapsed.Append('…').ToString();
            }
        }

        return collapsed.ToString();
    }

    /// <summary>The URL without credentials someone may have put in it.</summary>
    private static string Show(Uri url) =>
        string.IsNullOrEmpty(url.UserInfo) ? url.GetLeftPart(UriPartial.Path) : new UriBuilder(url) { UserName = "", Password = "", Query = "" }.Uri.GetLeftPart(UriPartial.Path);

    private static string FormatTime(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
