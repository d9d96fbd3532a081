using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Autoscaler.Core.Metrics;
using Autoscaler.Prometheus.Api;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Api;

/// <summary>Real sockets: closed ports, silent servers and TLS, with no fake handler.</summary>
public sealed class PrometheusClientNetworkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Closed_port_is_unreachable_with_a_message_naming_the_url()
    {
        var port = ClosedPort();
        using var client = new PrometheusClient(new PrometheusClientOptions { Url = $"http://127.0.0.1:{port}" });

        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.Unreachable, result.Failure);
        Assert.Contains($"http://127.0.0.1:{port}/api/v1/query", result.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", result.Message, StringComparison.Ordinal);
        Assert.False((await client.IsReadyAsync(Ct)).Succeeded);
    }

    [Fact]
    public async Task Server_that_never_answers_is_a_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new PrometheusClient(new PrometheusClientOptions { Url = $"http://127.0.0.1:{port}", Timeout = TimeSpan.FromMilliseconds(300) });

        var result = await client.QueryScalarAsync("up", Ct);

        Assert.Equal(MetricFailureKind.Timeout, result.Failure);
        Assert.Contains("300ms", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_server_signed_by_a_custom_ca_is_trusted_only_with_that_ca_file()
    {
        using var temp = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Autoscaler Test CA");
        using var server = TestCertificates.IssueServerCertificate(ca);
        var caFile = temp.File("ca.pem");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem(), Ct);
        using var otherCa = TestCertificates.CreateCa("Some Other CA");
        var otherCaFile = temp.File("other-ca.pem");
        await File.WriteAllTextAsync(otherCaFile, otherCa.ExportCertificatePem(), Ct);
        await using var tls = TinyTlsServer.Start(server);
        var url = $"https://localhost:{tls.Port}";

        using (var trusting = new PrometheusClient(new PrometheusClientOptions { Url = url, CaCertificateFile = caFile }))
        {
            var ready = await trusting.IsReadyAsync(Ct);
            Assert.True(ready.Succeeded, ready.Error?.Message);
            Assert.True(ready.Value);
        }

        using (var wrongCa = new PrometheusClient(new PrometheusClientOptions { Url = url, CaCertificateFile = otherCaFile }))
        {
            var rejected = await wrongCa.IsReadyAsync(Ct);
            Assert.Equal(PrometheusErrorKind.Unreachable, rejected.Error?.Kind);
            Assert.Contains("TLS", rejected.Error!.Message, StringComparison.Ordinal);
            Assert.Contains(url, rejected.Error.Message, StringComparison.Ordinal);
        }

        using (var systemRoots = new PrometheusClient(new PrometheusClientOptions { Url = url }))
        {
            Assert.Equal(PrometheusErrorKind.Unreachable, (await systemRoots.IsReadyAsync(Ct)).Error?.Kind);
        }

        using var insecure = new PrometheusClient(new PrometheusClientOptions { Url = url, InsecureSkipVerify = true });
        Assert.True((await insecure.IsReadyAsync(Ct)).Value);
    }

    [Fact]
    public async Task Custom_ca_still_rejects_a_certificate_for_another_host_name()
    {
        using var temp = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Autoscaler Test CA");
        using var server = TestCertificates.IssueServerCertificate(ca, "prometheus.example");
        var caFile = temp.File("ca.pem");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem(), Ct);
        await using var tls = TinyTlsServer.Start(server);

        using var client = new PrometheusClient(new PrometheusClientOptions { Url = $"https://localhost:{tls.Port}", CaCertificateFile = caFile });

        Assert.Equal(PrometheusErrorKind.Unreachable, (await client.IsReadyAsync(Ct)).Error?.Kind);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Answers every TLS connection with "HTTP 200 Ready" and closes it.</summary>
    private sealed class TinyTlsServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly X509Certificate2 _certificate;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private TinyTlsServer(X509Certificate2 certificate)
        {
            _certificate = certificate;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static TinyTlsServer Start(X509Certificate2 certificate) => new(certificate);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(socket));
            }
        }

        private async Task ServeAsync(TcpClient socket)
        {
            using var _ = socket;
            try
            {
                await using var tls = new SslStream(socket.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                var buffer = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await tls.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                await tls.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nReady."u8.ToArray(), _stop.Token);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                // The client refused our certificate: that is what some tests expect.
            }
        }
    }
}
