using Autoscaler.Core.Options;
using Autoscaler.Prometheus.Api;

namespace Autoscaler.Prometheus.Tests.Api;

public sealed class PrometheusClientOptionsTests
{
    private static IReadOnlyList<string> Problems(PrometheusClientOptions options) =>
        OptionsCheck.Validate(options, PrometheusClientOptions.Section, new PrometheusClientOptionsValidator());

    [Fact]
    public void Defaults_are_valid_and_point_at_local_prometheus_with_ten_second_timeout()
    {
        var options = new PrometheusClientOptions();

        Assert.Empty(Problems(options));
        Assert.Equal("http://127.0.0.1:9090", options.Url);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
    }

    [Theory]
    [InlineData("localhost:9090")]
    [InlineData("ftp://prometheus:9090")]
    [InlineData("/api/v1")]
    public void Url_must_be_absolute_http_or_https(string url)
    {
        var problem = Assert.Single(Problems(new PrometheusClientOptions { Url = url }));

        Assert.StartsWith($"Prometheus:Url = {url}: ", problem, StringComparison.Ordinal);
        Assert.Contains("http", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_url_is_named()
    {
        var problem = Assert.Single(Problems(new PrometheusClientOptions { Url = "" }));

        Assert.StartsWith("Prometheus:Url = (empty)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeout_must_be_positive()
    {
        var problem = Assert.Single(Problems(new PrometheusClientOptions { Timeout = TimeSpan.Zero }));

        Assert.StartsWith("Prometheus:Timeout = 0s", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bearer_and_basic_are_mutually_exclusive_and_secrets_are_not_shown()
    {
        var problem = Assert.Single(Problems(new PrometheusClientOptions { BearerToken = "tok-123", Username = "u", Password = "pw-456" }));

        Assert.Contains("Prometheus:BearerToken", problem, StringComparison.Ordinal);
        Assert.Contains("Prometheus:Username", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-456", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Password_needs_a_username()
    {
        var problem = Assert.Single(Problems(new PrometheusClientOptions { Password = "pw" }));

        Assert.StartsWith("Prometheus:Username = (empty)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ca_file_must_exist()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-ca-{Guid.NewGuid():N}.pem");

        var problem = Assert.Single(Problems(new PrometheusClientOptions { Url = "https://prometheus:9090", CaCertificateFile = missing }));

        Assert.Equal($"Prometheus:CaCertificateFile = {missing}: file not found", problem);
    }

    [Fact]
    public void Insecure_skip_verify_contradicts_a_ca_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            var problem = Assert.Single(Problems(new PrometheusClientOptions { CaCertificateFile = file, InsecureSkipVerify = true }));

            Assert.StartsWith("Prometheus:InsecureSkipVerify = true", problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Header_names_must_be_tokens_and_must_not_override_configured_credentials()
    {
        var problems = Problems(new PrometheusClientOptions
        {
            BearerToken = "t",
            Headers = { ["bad header"] = "x", ["Authorization"] = "Custom y", ["X-Ok"] = "fine" },
        });

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Prometheus:Headers:bad header = x:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Prometheus:Headers:Authorization", StringComparison.Ordinal) && p.Contains("BearerToken", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var problems = Problems(new PrometheusClientOptions
        {
            Url = "nope",
            Timeout = TimeSpan.FromHours(1),
            BearerToken = "t",
            Username = "u",
            CaCertificateFile = "/nonexistent/ca.pem",
        });

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Prometheus:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Prometheus:Timeout", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Prometheus:BearerToken", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Prometheus:CaCertificateFile", StringComparison.Ordinal));
    }

    [Fact]
    public void Named_options_use_the_name_as_section()
    {
        var result = new PrometheusClientOptionsValidator().Validate("Scaler:Prometheus", new PrometheusClientOptions { Url = "x" });

        Assert.StartsWith("Scaler:Prometheus:Url = x", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_files_must_exist_and_hold_something_and_a_secret_is_given_one_way_only()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        File.WriteAllText(dir.File("empty"), "\n");
        File.WriteAllText(dir.File("token"), "tok-789\n");

        var problems = Problems(new PrometheusClientOptions { BearerTokenFile = dir.File("missing") })
            .Concat(Problems(new PrometheusClientOptions { Username = "u", PasswordFile = dir.File("empty") }))
            .Concat(Problems(new PrometheusClientOptions { BearerToken = "tok-123", BearerTokenFile = dir.File("token") }))
            .Concat(Problems(new PrometheusClientOptions { PasswordFile = dir.File("token") }))
            .ToList();

        Assert.Equal(
        [
            $"Prometheus:BearerTokenFile = {dir.File("missing")}: file not found",
            $"Prometheus:PasswordFile = {dir.File("empty")}: the file is empty",
            $"Prometheus:BearerTokenFile = {dir.File("token")}: cannot be combined with Prometheus:BearerToken (set); give the secret one way only",
            "Prometheus:Username = (empty): is required when Prometheus:Password or Prometheus:PasswordFile is set (basic authentication)",
        ], problems);
        Assert.All(problems, p => Assert.DoesNotContain("tok-", p, StringComparison.Ordinal));
        Assert.Empty(Problems(new PrometheusClientOptions { BearerTokenFile = dir.File("token") }));
    }

    [Fact]
    public void A_bearer_token_file_excludes_basic_authentication_like_the_token_itself()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        File.WriteAllText(dir.File("token"), "t");

        var problem = Assert.Single(Problems(new PrometheusClientOptions { BearerTokenFile = dir.File("token"), Username = "u", Password = "p" }));

        Assert.StartsWith("Prometheus:BearerToken = (set): cannot be combined with Prometheus:Username/Prometheus:Password", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_needs_its_key_and_both_must_be_a_matching_PEM_pair()
    {
        using var dir = new Autoscaler.Testing.TempDirectory();
        using var ca = TestCertificates.CreateCa("CA");
        using var one = TestCertificates.IssueClientCertificate(ca, "one");
        using var two = TestCertificates.IssueClientCertificate(ca, "two");
        await TestCertificates.WritePemAsync(one, dir.File("one.pem"), dir.File("one-key.pem"));
        await TestCertificates.WritePemAsync(two, dir.File("two.pem"), dir.File("two-key.pem"));

        Assert.Empty(Problems(new PrometheusClientOptions { ClientCertificateFile = dir.File("one.pem"), ClientKeyFile = dir.File("one-key.pem") }));
        Assert.Equal(
            "Prometheus:ClientKeyFile = (empty): is required with Prometheus:ClientCertificateFile (mutual TLS needs the certificate and its key)",
            Assert.Single(Problems(new PrometheusClientOptions { ClientCertificateFile = dir.File("one.pem") })));
        Assert.Equal(
            $"Prometheus:ClientKeyFile = {dir.File("nope.pem")}: file not found",
            Assert.Single(Problems(new PrometheusClientOptions { ClientCertificateFile = dir.File("one.pem"), ClientKeyFile = dir.File("nope.pem") })));
        var mismatch = Assert.Single(Problems(new PrometheusClientOptions { ClientCertificateFile = dir.File("one.pem"), ClientKeyFile = dir.File("two-key.pem") }));
        Assert.StartsWith($"Prometheus:ClientCertificateFile = {dir.File("one.pem")}: cannot be used with Prometheus:ClientKeyFile = {dir.File("two-key.pem")} (", mismatch, StringComparison.Ordinal);
        var swapped = Assert.Single(Problems(new PrometheusClientOptions { ClientCertificateFile = dir.File("one-key.pem"), ClientKeyFile = dir.File("one.pem") }));
        Assert.Contains("both must be PEM", swapped, StringComparison.Ordinal);
    }
}
