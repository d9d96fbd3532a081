using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Autoscaler.Prometheus.Server;
using Autoscaler.Testing;

namespace Autoscaler.Prometheus.Tests.Server;

/// <summary>The shipped <c>alertmanager.yml</c> and the real Alertmanager started by <see cref="AlertmanagerServer"/>.</summary>
public sealed class AlertmanagerServerTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "deploy", "alertmanager", "alertmanager.yml");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_shipped_configuration_passes_amtool_and_sends_every_alert_to_the_scaler_webhook_quickly()
    {
        var amtool = RequiredBinary.Find("amtool", "apt-get install prometheus-alertmanager");

        var (code, output) = await Tool.RunAsync(amtool, ["check-config", Shipped]);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(Shipped, Ct);
        Assert.Contains("url: " + AlertmanagerServerOptions.ShippedWebhookUrl, text, StringComparison.Ordinal);
        Assert.Contains("group_wait: 1s", text, StringComparison.Ordinal);
        Assert.Contains("group_interval: 10s", text, StringComparison.Ordinal);
        Assert.Contains("repeat_interval: 1m", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rendered_configuration_points_at_the_given_webhook_with_the_token_and_passes_amtool()
    {
        var amtool = RequiredBinary.Find("amtool", "apt-get install prometheus-alertmanager");
        using var temp = new TempDirectory();
        var rendered = AlertmanagerConfig.Render(await File.ReadAllTextAsync(Shipped, Ct), new Uri("http://127.0.0.1:18080/api/v1/alerts"), "tok en: #1");
        var file = temp.File("alertmanager.yml");
        await File.WriteAllTextAsync(file, rendered, Ct);

        var (code, output) = await Tool.RunAsync(amtool, ["check-config", file]);

        Assert.True(code == 0, output + "\n" + rendered);
        Assert.Contains("url: \"http://127.0.0.1:18080/api/v1/alerts\"", rendered, StringComparison.Ordinal);
        Assert.Contains("credentials: \"tok en: #1\"", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain(AlertmanagerServerOptions.ShippedWebhookUrl, rendered, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => AlertmanagerConfig.Render("route:\n  receiver: x\n", new Uri("http://h/"), null));
    }

    [Fact]
    public async Task A_missing_binary_says_how_to_install_alertmanager()
    {
        using var temp = new TempDirectory();

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => AlertmanagerServer.StartAsync(
            new AlertmanagerServerOptions { BinaryPath = temp.File("no-alertmanager-here"), ConfigFile = Shipped, WorkingDirectory = temp.Path }, cancellationToken: Ct));

        Assert.Contains("apt-get install prometheus-alertmanager", e.Message, StringComparison.Ordinal);
        Assert.Null(AlertmanagerServer.FindInstalled(temp.File("no-alertmanager-here")));
    }

    [Fact]
    public async Task The_real_alertmanager_starts_ready_and_delivers_an_alert_to_the_webhook_with_the_bearer_token()
    {
        var binary = RequiredBinary.Find("prometheus-alertmanager", "apt-get install prometheus-alertmanager");
        using var temp = new TempDirectory();
        var hookPort = FreePorts.Next();
        using var hook = new HttpListener();
        hook.Prefixes.Add($"http://127.0.0.1:{hookPort}/api/v1/");
        hook.Start();

        await using var server = await AlertmanagerServer.StartAsync(new AlertmanagerServerOptions
        {
            BinaryPath = binary,
            ConfigFile = Shipped,
            WorkingDirectory = temp.Path,
            Port = 0,
            WebhookUrl = new Uri($"http://127.0.0.1:{hookPort}/api/v1/alerts"),
            WebhookBearerToken = "t0ken",
        }, cancellationToken: Ct);
        Assert.DoesNotContain("cluster", Environment.NewLine + string.Join('\n', server.Output.Split('\n').Where(l => l.Contains("Listening", StringComparison.Ordinal))), StringComparison.OrdinalIgnoreCase);

        using var http = new HttpClient();
        var alert = """[{"labels":{"alertname":"HighResponseTime","severity":"warning"},"annotations":{"summary":"slow"}}]""";
        using var posted = await http.PostAsync(new Uri(server.Url, "api/v2/alerts"), new StringContent(alert, Encoding.UTF8, "application/json"), Ct);
        Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));

        var context = await hook.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        using var reader = new StreamReader(context.Request.InputStream);
        var body = JsonDocument.Parse(await reader.ReadToEndAsync(Ct)).RootElement;
        context.Response.StatusCode = 202;
        context.Response.Close();

        Assert.Equal("Bearer t0ken", context.Request.Headers["Authorization"]);
        Assert.Equal("4", body.GetProperty("version").GetString());
        var first = body.GetProperty("alerts")[0];
        Assert.Equal("firing", first.GetProperty("status").GetString());
        Assert.Equal("HighResponseTime", first.GetProperty("labels").GetProperty("alertname").GetString());

        var pid = server.ProcessId;
        await server.DisposeAsync();
        Assert.False(ProcessExists(pid));
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
