using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Autoscaler.IntegrationTests.WebApp;

public sealed partial class GracefulShutdownTests
{
    [Fact]
    public async Task Sigterm_under_load_completes_every_accepted_request_and_exits_zero()
    {
        // 4 workers, 250 ms each: 40 requests take about 2.5 s to drain.
        var (replica, url) = await AutoscalerProcess.StartWebAppAsync(
            "--workers", "4", "--service-time", "250ms", "--distribution", "Constant", "--instance-id", "drain-me");
        await using var _ = replica;
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

        var requests = Enumerable.Range(0, 40).Select(_ => client.GetAsync("/", TestContext.Current.CancellationToken)).ToList();
        await WaitForInflightAsync(client, 40);

        replica.Signal(15);
        await replica.WaitForLineAsync(DrainingPattern(), TimeSpan.FromSeconds(10));
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(0, await replica.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [GeneratedRegex("Draining")]
    private static partial Regex DrainingPattern();

    [GeneratedRegex(@"^webapp_inflight_requests (\S+)$", RegexOptions.Multiline)]
    private static partial Regex InflightPattern();

    private static async Task WaitForInflightAsync(HttpClient client, int expected)
    {
        // A fresh connection for /metrics, so the scrape never queues behind the work.
        using var scraper = new HttpClient { BaseAddress = client.BaseAddress };
        var deadline = DateTimeOffsetNow() + TimeSpan.FromSeconds(20);
        while (true)
        {
            var text = await scraper.GetStringAsync("/metrics");
            var value = double.Parse(InflightPattern().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
            if (value >= expected)
            {
                return;
            }

            Assert.True(DateTimeOffsetNow() < deadline, $"only {value} of {expected} requests were accepted");
            await Task.Delay(50);
        }
    }

    private static DateTimeOffset DateTimeOffsetNow() => TimeProvider.System.GetUtcNow();
}
