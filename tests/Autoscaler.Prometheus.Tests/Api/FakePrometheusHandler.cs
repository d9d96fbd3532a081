using System.Net;
using System.Text;

namespace Autoscaler.Prometheus.Tests.Api;

/// <summary>
/// Answers every request with a canned response and records what was sent. Only for parsing and header tests;
/// behaviour against Prometheus itself is tested with the real server.
/// </summary>
internal sealed class FakePrometheusHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];

    public HttpRequestMessage Last => Requests[^1];

    public static FakePrometheusHandler Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        Text(body, status, "application/json");

    public static FakePrometheusHandler Text(string body, HttpStatusCode status, string mediaType = "text/plain") =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) }));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        return await respond(request, cancellationToken);
    }
}
