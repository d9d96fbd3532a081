using System.Text.Json;

namespace Autoscaler.IntegrationTests.Gateway;

/// <summary>Starts real <c>autoscaler gateway</c> processes and reads what they report.</summary>
internal static class GatewayFixture
{
    public static async Task<(AutoscalerProcess Process, Uri Url)> StartGatewayAsync(
        IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var process = AutoscalerProcess.Start(["gateway", "--port", "0", .. args], environment);
        try
        {
            var line = await process.WaitForLineAsync(AutoscalerProcess.ListeningPattern(), TimeSpan.FromSeconds(30));
            return (process, new Uri(AutoscalerProcess.ListeningPattern().Match(line).Groups[1].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts replicas in parallel; each one is disposed by the caller.</summary>
    public static async Task<(AutoscalerProcess Process, Uri Url)[]> StartReplicasAsync(int count, params string[] extraArgs) =>
        await Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            AutoscalerProcess.StartWebAppAsync(["--instance-id", $"r{i}", "--workers", "64", .. extraArgs])));

    /// <summary>The gateway's view of its replicas: address to health.</summary>
    public static async Task<Dictionary<string, string>> DestinationsAsync(HttpClient gateway)
    {
        var json = await gateway.GetStringAsync("/gateway/destinations", TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().ToDictionary(
            d => d.GetProperty("address").GetString()!,
            d => d.GetProperty("health").GetString()!);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails after a generous deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(start) < (timeout ?? TimeSpan.FromSeconds(15)), $"timed out waiting for {what}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Replaces the file the way the service-discovery writer does: write a temp file, then rename over.</summary>
    public static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public static string FileSd(params Uri[] replicas) =>
        JsonSerializer.Serialize(new[] { new { targets = replicas.Select(r => r.Authority).ToArray(), labels = new { job = "webapp" } } });
}
