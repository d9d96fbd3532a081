using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Autoscaler.IntegrationTests.Live;
using Autoscaler.Testing;

namespace Autoscaler.IntegrationTests.Cli;

/// <summary>The scaler's tokens given as files (mounted Secrets), never on the command line, and never printed.</summary>
public sealed class SecretFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tokens_from_files_guard_the_replica_api_and_the_webhook_and_are_never_printed()
    {
        using var dir = new TempDirectory("secret-files");
        await File.WriteAllTextAsync(dir.File("api-token"), "api-secret-4711\n", Ct);
        await File.WriteAllTextAsync(dir.File("webhook-token"), "hook-secret-0815\n", Ct);
        var port = FreePorts.Next();
        await using var scaler = AutoscalerProcess.Start(
            "scaler", "--port", port.ToString(CultureInfo.InvariantCulture), "--prometheus-url", $"http://127.0.0.1:{FreePorts.Next()}",
            "--dry-run", "--api-token-file", dir.File("api-token"), "--webhook-token-file", dir.File("webhook-token"));
        await scaler.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, HttpMethod.Get, "/api/v1/replicas", "api-secret-4711"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, HttpMethod.Get, "/api/v1/replicas", "api-secret-471"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, HttpMethod.Get, "/api/v1/replicas", "hook-secret-0815"));
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(http, HttpMethod.Post, "/api/v1/alerts", "hook-secret-0815"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, HttpMethod.Post, "/api/v1/alerts", null));

        await LiveStack.WaitForAsync(() => Task.FromResult(scaler.Output.Contains("Alert webhook", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), () => scaler.Output);
        Assert.DoesNotContain("api-secret", scaler.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hook-secret", scaler.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_given_both_ways_or_a_missing_file_is_exit_code_2_before_anything_starts()
    {
        using var dir = new TempDirectory("secret-files");
        await File.WriteAllTextAsync(dir.File("api-token"), "x\n", Ct);

        await using var both = AutoscalerProcess.Start("scaler", "--api-token", "inline-secret", "--api-token-file", dir.File("api-token"));
        await using var missing = AutoscalerProcess.Start("up", "--webhook-token-file", dir.File("nope"));

        Assert.Equal(2, await both.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(
            $"autoscaler scaler: invalid configuration: Scaler:ApiTokenFile = {dir.File("api-token")}: cannot be combined with Scaler:ApiToken (set); give the secret one way only",
            Assert.Single(both.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("inline-secret", both.Output, StringComparison.Ordinal);
        Assert.Equal(2, await missing.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Scaler:WebhookBearerTokenFile = {dir.File("nope")}: file not found", missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_credentials_files_are_checked_at_start_from_the_environment()
    {
        using var dir = new TempDirectory("secret-files");
        await File.WriteAllTextAsync(dir.File("empty"), "", Ct);

        await using var scaler = AutoscalerProcess.Start(["scaler"], new Dictionary<string, string>
        {
            ["Prometheus__BearerTokenFile"] = dir.File("empty"),
            ["Prometheus__ClientCertificateFile"] = dir.File("client.pem"),
        });

        Assert.Equal(2, await scaler.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Prometheus:BearerTokenFile = {dir.File("empty")}: the file is empty", scaler.Output, StringComparison.Ordinal);
        Assert.Contains("Prometheus:ClientKeyFile = (empty): is required with Prometheus:ClientCertificateFile", scaler.Output, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"HighResponseTime"}}]}""", Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, Ct);
        return response.StatusCode;
    }
}
