using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Autoscaler.Core.ServiceModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.WebApp.Tests;

public sealed partial class WebAppHostTests
{
    private static readonly string[] DesignMetricNames =
    [
        "webapp_response_time_seconds", "webapp_request_count_total", "webapp_inflight_requests",
        "webapp_queue_length", "webapp_rejected_requests_total", "webapp_workers", "http_request_duration_seconds",
        "webapp_busy_seconds_total",
    ];

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_carry_every_design_name_and_move_with_traffic()
    {
        await using var host = await StartAsync(new WebAppOptions { ServiceTime = TimeSpan.FromMilliseconds(20), Distribution = ServiceTimeDistribution.Constant, Workers = 2, QueueLimit = 0 });

        var before = Parse(await host.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        Assert.All(DesignMetricNames, name => Assert.Contains(name, before.Types.Keys));
        Assert.Equal("gauge", before.Types["webapp_response_time_seconds"]);
        Assert.Equal("counter", before.Types["webapp_request_count_total"]);
        Assert.Equal("histogram", before.Types["http_request_duration_seconds"]);
        Assert.Equal(2, before.Single("webapp_workers"));
        Assert.Equal(0, before.Single("webapp_response_time_seconds"));
        Assert.Contains("process_cpu_seconds_total", before.Types.Keys); // the runtime's own, beside the service's
        Assert.Contains("dotnet_total_memory_bytes", before.Types.Keys);

        // Five at once on two workers and no queue: some must be rejected.
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.Client.GetAsync("/", TestContext.Current.CancellationToken)));
        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var rejected = responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(5, ok + rejected);
        Assert.True(rejected >= 1, "two workers and no queue cannot take five requests at once");

        var after = Parse(await host.Client.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        Assert.Equal(5, after.Single("webapp_request_count_total"));
        Assert.Equal(rejected, after.Single("webapp_rejected_requests_total"));
        // Each served request kept a worker busy for exactly its service time (a constant 20 ms here).
        Assert.InRange(after.Single("webapp_busy_seconds_total"), ok * 0.0199, ok * 0.0201);
        Assert.InRange(after.Single("webapp_response_time_seconds"), 0.015, 5);
        var served = after.Samples.Where(s => s.Name == "http_request_duration_seconds_count" && s.Labels.Contains("endpoint=\"/\"", StringComparison.Ordinal)).Sum(s => s.Value);
        Assert.Equal(5, served);
        var bucketBounds = after.Samples.Where(s => s.Name == "http_request_duration_seconds_bucket").Select(s => LeBound().Match(s.Labels).Groups[1].Value).Distinct().ToList();
        Assert.Contains("0.005", bucketBounds);
        Assert.Contains("10", bucketBounds);
    }

    [Fact]
    public async Task Root_names_the_instance_in_body_and_header()
    {
        await using var host = await StartAsync(new WebAppOptions { InstanceId = "replica-7", ServiceTime = TimeSpan.Zero });
        var response = await host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("replica-7", response.Headers.GetValues(WebAppHost.InstanceHeader).Single());
        Assert.Contains("\"instance\":\"replica-7\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_waits_for_the_startup_delay_and_work_is_refused_until_then()
    {
        var clock = new FakeTimeProvider();
        await using var host = await StartAsync(new WebAppOptions { StartupDelay = TimeSpan.FromSeconds(5), ServiceTime = TimeSpan.Zero }, clock);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await host.Client.GetAsync("/", TestContext.Current.CancellationToken)).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Crash_after_n_requests_fires_once_on_the_nth()
    {
        var crashes = 0;
        await using var host = await StartAsync(new WebAppOptions { CrashAfter = 3, ServiceTime = TimeSpan.Zero }, crash: () => Interlocked.Increment(ref crashes));
        for (var i = 0; i < 2; i++)
        {
            await host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, crashes);
        await host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        await host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(1, crashes);
    }

    [Fact]
    public async Task Injected_errors_are_answered_500()
    {
        await using var host = await StartAsync(new WebAppOptions { ErrorRate = 1, ServiceTime = TimeSpan.Zero });
        var response = await host.Client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    private static async Task<Host> StartAsync(WebAppOptions options, TimeProvider? clock = null, Action? crash = null)
    {
        options.Distribution = ServiceTimeDistribution.Constant;
        var app = WebAppHost.Build(options, ["http://127.0.0.1:0"], b =>
        {
            b.Logging.ClearProviders();
            if (clock is not null)
            {
                b.Services.AddSingleton(clock);
            }
        }, crash);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Host(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    private sealed record Host(WebApplication App, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.DisposeAsync();
        }
    }

    private sealed record Sample(string Name, string Labels, double Value);

    private sealed record Exposition(Dictionary<string, string> Types, List<Sample> Samples)
    {
        public double Single(string name) => Samples.Single(s => s.Name == name).Value;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("le=\"([^\"]+)\"")]
    private static partial Regex LeBound();

    /// <summary>A strict reading of the text exposition format: every line is a comment, a type, or a sample.</summary>
    private static Exposition Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE", StringComparison.Ordinal))
            {
                var t = TypeLine().Match(line);
                Assert.True(t.Success, $"bad TYPE line: {line}");
                types[t.Groups["name"].Value] = t.Groups["type"].Value;
            }
            else if (!line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var m = SampleLine().Match(line);
                Assert.True(m.Success, $"not a sample line: {line}");
                var value = double.Parse(m.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture);
                samples.Add(new Sample(m.Groups["name"].Value, m.Groups["labels"].Value, value));
                var family = Regex.Replace(m.Groups["name"].Value, "_(bucket|sum|count)$", "");
                Assert.True(types.ContainsKey(m.Groups["name"].Value) || types.ContainsKey(family), $"sample without TYPE: {line}");
            }
        }

        return new Exposition(types, samples);
    }
}
