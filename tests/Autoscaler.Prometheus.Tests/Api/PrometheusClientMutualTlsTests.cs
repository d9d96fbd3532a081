using Autoscaler.Core.Options;
using Autoscaler.Prometheus.Api;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Api;

/// <summary>
/// A real Prometheus served over TLS that requires a client certificate from its CA and basic authentication
/// (<c>--web.config.file</c>), as a secured production Prometheus is; the client reaches it with a CA file, a client
/// certificate and key, and a password file.
/// </summary>
public sealed class PrometheusClientMutualTlsTests : IAsyncLifetime
{
    // bcrypt (cost 4) of "file-secret-7", the password the web configuration accepts for user "scaler"; made once with
    // Python's crypt.crypt and crypt.METHOD_BLOWFISH.
    private const string PasswordHash = "$2b$04$JEO3p/vA/iDKGnxxoHOne.Mow27zhQWhitA82T6U4IaRHMxFlmNcS";

    private readonly TempDirectory _dir = new("prometheus-mtls");
    private BackgroundProgram? _prometheus;
    private string _url = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var binary = RequiredBinary.Find("prometheus", "apt-get install prometheus");
        using var ca = TestCertificates.CreateCa("Autoscaler Test CA");
        using var server = TestCertificates.IssueServerCertificate(ca);
        using var client = TestCertificates.IssueClientCertificate(ca, "scaler");
        using var otherCa = TestCertificates.CreateCa("Some Other CA");
        using var stranger = TestCertificates.IssueClientCertificate(otherCa, "scaler");
        await File.WriteAllTextAsync(_dir.File("ca.pem"), ca.ExportCertificatePem(), Ct);
        await TestCertificates.WritePemAsync(server, _dir.File("server.pem"), _dir.File("server-key.pem"));
        await TestCertificates.WritePemAsync(client, _dir.File("client.pem"), _dir.File("client-key.pem"));
        await TestCertificates.WritePemAsync(stranger, _dir.File("stranger.pem"), _dir.File("stranger-key.pem"));
        await File.WriteAllTextAsync(_dir.File("password"), "file-secret-7\n", Ct);
        await File.WriteAllTextAsync(_dir.File("wrong-password"), "not-it\n", Ct);
        await File.WriteAllTextAsync(_dir.File("prometheus.yml"), "global:\n  scrape_interval: 1m\n", Ct);
        await File.WriteAllTextAsync(_dir.File("web.yml"), $"""
            tls_server_config:
              cert_file: {_dir.File("server.pem")}
              key_file: {_dir.File("server-key.pem")}
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: {_dir.File("ca.pem")}
            basic_auth_users:
              scaler: '{PasswordHash}'
            """, Ct);

        var port = FreePorts.Next();
        _url = $"https://127.0.0.1:{port}/";
        _prometheus = BackgroundProgram.Start(
            binary, $"--config.file={_dir.File("prometheus.yml")}", $"--web.config.file={_dir.File("web.yml")}",
            $"--storage.tsdb.path={_dir.File("data")}", $"--web.listen-address=127.0.0.1:{port}");

        using var ready = new PrometheusClient(Options());
        var started = TimeProvider.System.GetTimestamp();
        PrometheusResult<bool> answer;
        while (!(answer = await ready.IsReadyAsync(Ct)).Value)
        {
            Assert.False(_prometheus.HasExited, $"prometheus exited:\n{_prometheus.Output}");
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60),
                $"prometheus at {_url} not ready within 60 s over mutual TLS ({answer.Error?.Message}):\n{_prometheus.Output}");
            await Task.Delay(200, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task With_the_CA_a_client_certificate_and_a_password_file_the_query_is_answered()
    {
        var options = Options();
        Assert.Empty(OptionsCheck.Validate(options, PrometheusClientOptions.Section, new PrometheusClientOptionsValidator()));
        using var client = new PrometheusClient(options);

        var result = await client.QueryScalarAsync("vector(42)", Ct);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(42, result.Value);
    }

    [Fact]
    public async Task Without_a_client_certificate_the_server_refuses_the_connection()
    {
        using var client = new PrometheusClient(Options(o => (o.ClientCertificateFile, o.ClientKeyFile) = (null, null)));

        var result = await client.QueryScalarAsync("vector(42)", Ct);

        Assert.Equal(Autoscaler.Core.Metrics.MetricFailureKind.Unreachable, result.Failure);
        Assert.Contains(_url, result.Message, StringComparison.Ordinal);
        Assert.Contains("wants a client certificate it trusts (Prometheus:ClientCertificateFile and ClientKeyFile)", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("file-secret-7", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_refused()
    {
        using var client = new PrometheusClient(Options(o => (o.ClientCertificateFile, o.ClientKeyFile) = (_dir.File("stranger.pem"), _dir.File("stranger-key.pem"))));

        var result = await client.QueryScalarAsync("vector(42)", Ct);

        Assert.Equal(Autoscaler.Core.Metrics.MetricFailureKind.Unreachable, result.Failure);
        Assert.Contains("client certificate", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_in_the_file_is_answered_401()
    {
        using var client = new PrometheusClient(Options(o => o.PasswordFile = _dir.File("wrong-password")));

        var result = await client.QueryScalarAsync("vector(42)", Ct);

        Assert.Equal(401, result.Error?.StatusCode);
    }

    private PrometheusClientOptions Options(Action<PrometheusClientOptions>? change = null)
    {
        var options = Base();
        change?.Invoke(options);
        return options;
    }

    private PrometheusClientOptions Base() => new()
    {
        Url = _url,
        Timeout = TimeSpan.FromSeconds(5),
        CaCertificateFile = _dir.File("ca.pem"),
        ClientCertificateFile = _dir.File("client.pem"),
        ClientKeyFile = _dir.File("client-key.pem"),
        Username = "scaler",
        PasswordFile = _dir.File("password"),
    };
}
