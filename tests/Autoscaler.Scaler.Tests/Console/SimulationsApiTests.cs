using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Metrics;
using Autoscaler.Core.Scaling;
using Autoscaler.Scaler.Console;
using Autoscaler.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Autoscaler.Scaler.Tests.Console;

/// <summary>
/// The console's simulations through the real host on a free port: the reports folder listed and served (and never
/// left through a path), and replays as jobs with a stand-in runner the test holds at a gate. The clock is fake: it
/// names the reports and is never advanced.
/// </summary>
public sealed class SimulationsApiTests : IAsyncDisposable
{
    private const string Token = "s3cret";
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 10, 15, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(s_now);
    private readonly TempDirectory _root = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication? _app;
    private Uri _url = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Reports => Path.Combine(_root.Path, "reports");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _root.Dispose();
    }

    [Fact]
    public async Task The_reports_are_listed_newest_first_with_their_titles_and_their_files_served_with_their_types()
    {
        WriteReport("older", "Simulation report: step-up-down", s_now.AddHours(-2));
        WriteReport("newer", "Simulation report: replay &amp; more", s_now.AddHours(-1));
        File.WriteAllBytes(Path.Combine(Reports, "older", "latency.png"), [0x89, 0x50, 0x4E, 0x47]);
        File.WriteAllText(Path.Combine(Reports, "older", "summary.json"), "{}");
        Directory.CreateDirectory(Path.Combine(Reports, "no-report-here"));
        WriteReport(".replay-webapp-1.partial", "half written", s_now);
        await StartAsync(new GatedRunner());

        var list = await GetJsonAsync("/api/v1/reports");

        Assert.Equal(["newer", "older"], list.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal("Simulation report: replay & more", list[0].GetProperty("title").GetString());
        Assert.Equal("/reports/newer/report.html", list[0].GetProperty("url").GetString());
        Assert.Equal(s_now.AddHours(-1), list[0].GetProperty("created").GetDateTimeOffset());

        var page = await GetAsync("/reports/older/report.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("step-up-down", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("image/png", (await GetAsync("/reports/older/latency.png")).Content.Headers.ContentType!.MediaType);
        Assert.Equal("application/json", (await GetAsync("/reports/older/summary.json")).Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", (await GetAsync("/reports/older/summary.json")).Headers.GetValues("X-Content-Type-Options").Single());

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var folder = await noRedirect.GetAsync(new Uri(_url, "/reports/older"), Ct);
        Assert.Equal("/reports/older/report.html", folder.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/reports/older/nothing.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/reports/gone/report.html")).StatusCode);
    }

    [Fact]
    public async Task The_list_is_read_once_for_every_console_polling_it_and_again_after_five_seconds()
    {
        WriteReport("first", "Simulation report: first", s_now.AddHours(-1));
        await StartAsync(new GatedRunner());
        Assert.Single((await GetJsonAsync("/api/v1/reports")).EnumerateArray());

        WriteReport("second", "Simulation report: second", s_now);
        Assert.Single((await GetJsonAsync("/api/v1/reports")).EnumerateArray());
        _clock.Advance(ReportsFolder.ListFor);

        Assert.Equal(["second", "first"], (await GetJsonAsync("/api/v1/reports")).EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Paths_that_leave_a_report_or_go_through_a_link_get_nothing_from_outside()
    {
        WriteReport("mine", "Simulation report: mine", s_now);
        File.WriteAllText(_root.File("secret.txt"), "TOP-SECRET-CONTENT");
        var outside = Path.Combine(_root.Path, "outside");
        WriteReportAt(outside, "Simulation report: outside");
        File.CreateSymbolicLink(Path.Combine(Reports, "mine", "link.txt"), _root.File("secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Reports, "mine", "up"), _root.Path);
        Directory.CreateSymbolicLink(Path.Combine(Reports, "linked"), outside);
        await StartAsync(new GatedRunner());

        Assert.Equal(["mine"], (await GetJsonAsync("/api/v1/reports")).EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        string[] attempts =
        [
            "/reports/mine/..%2F..%2Fsecret.txt",
            "/reports/mine/%2e%2e/%2e%2e/secret.txt",
            "/reports/mine/..%5C..%5Csecret.txt",
            "/reports/mine/%2Fetc%2Fpasswd",
            "/reports/..%2Fsecret.txt/x",
            "/reports/mine/link.txt",
            "/reports/mine/up/secret.txt",
            "/reports/linked/report.html",
            "/reports/.hidden/report.html",
        ];
        foreach (var attempt in attempts)
        {
            var response = await GetAsync(attempt);
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{attempt}: {response.StatusCode}");
            Assert.DoesNotContain("TOP-SECRET-CONTENT", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        var folder = new ReportsFolder(Reports, _clock);
        foreach (var (name, file) in new[] { ("mine", "../../secret.txt"), ("mine", "/etc/passwd"), ("..", "secret.txt"), ("mine", "a//b"), ("mine", ".x"), ("/tmp", "x") })
        {
            Assert.Equal(ReportsFolder.Lookup.BadPath, folder.Resolve(name, file).Result);
        }

        Assert.Equal((ReportsFolder.Lookup.Found, Path.Combine(Reports, "mine", "report.html")), folder.Resolve("mine", "report.html"));
    }

    [Fact]
    public async Task A_replay_runs_in_the_background_one_per_service_and_a_cancel_stops_it_and_leaves_nothing_listed()
    {
        var runner = new GatedRunner();
        await StartAsync(runner);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("""{"hours": 2}""", token: null)).StatusCode);
        var started = await PostAsync("""{"hours": 2}""");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await JsonOf(started)).GetProperty("id").GetString()!;
        var request = await runner.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(TimeSpan.FromHours(2), request.Window);
        Assert.Equal(SimulationJobs.DefaultQuery, request.Query);
        Assert.Equal(ScalerTelemetry.DefaultService, request.Service);

        var running = await GetJsonAsync($"/api/v1/simulations/{id}");
        Assert.Equal("running", running.GetProperty("state").GetString());
        Assert.Equal(0.5, running.GetProperty("progress").GetDouble());
        Assert.Equal("simulating", running.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, running.GetProperty("report").ValueKind);

        var second = await PostAsync("""{"hours": 1}""");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains($"a simulation of webapp runs already: {id} (50 %", await second.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty((await GetJsonAsync("/api/v1/reports")).EnumerateArray());

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Delete, $"/api/v1/simulations/{id}", null, token: null)).StatusCode);
        var cancelled = await JsonOf(await SendAsync(HttpMethod.Delete, $"/api/v1/simulations/{id}", null));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.True(runner.SawCancellation);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Reports));
        Assert.Empty((await GetJsonAsync("/api/v1/reports")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/api/v1/simulations/nosuchjob", null)).StatusCode);

        // Once it has stopped, the service may run another, which this time is let through to the end.
        var again = runner.Next();
        var next = await JsonOf(await PostAsync(""));
        var nextId = next.GetProperty("id").GetString()!;
        Assert.Equal(TimeSpan.FromHours(24), (await again.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Window);
        again.Gate.SetResult();
        var done = await WaitForStateAsync(nextId, "done");
        Assert.Equal(1, done.GetProperty("progress").GetDouble());
        Assert.Equal("/reports/replay-webapp-20261207-101500/report.html", done.GetProperty("report").GetString());
        var list = await GetJsonAsync("/api/v1/reports");
        Assert.Equal("replay-webapp-20261207-101500", list.EnumerateArray().Single().GetProperty("name").GetString());
        Assert.Equal("Replay of webapp", list[0].GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(done.GetProperty("report").GetString()!)).StatusCode);

        var jobs = (await GetJsonAsync("/api/v1/services/webapp/simulations")).GetProperty("jobs");
        Assert.Equal(["done", "cancelled"], jobs.EnumerateArray().Select(j => j.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_replay_that_fails_says_why_and_leaves_no_folder()
    {
        var runner = new GatedRunner { Failure = "the query returned no data from 08:15 to 10:15" };
        await StartAsync(runner);

        var id = (await JsonOf(await PostAsync("""{"hours": 2, "query": "sum(rate(my_requests_total[1m]))"}"""))).GetProperty("id").GetString()!;
        runner.Gate.SetResult();

        var failed = await WaitForStateAsync(id, "failed");
        Assert.Equal("the query returned no data from 08:15 to 10:15", failed.GetProperty("message").GetString());
        Assert.Equal("sum(rate(my_requests_total[1m]))", (await runner.Reached.Task).Query);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Reports));
        Assert.Empty((await GetJsonAsync("/api/v1/reports")).EnumerateArray());
    }

    [Theory]
    [InlineData("""{"hours": 0}""", "\"hours\" must be a number of hours above 0")]
    [InlineData("""{"hours": -3}""", "\"hours\" must be a number of hours above 0")]
    [InlineData("""{"hours": "24"}""", "got \"24\"")]
    [InlineData("""{"hours": 745}""", "at most 744 (31 days)")]
    [InlineData("""{"query": ""}""", "\"query\" must be the PromQL of the demand")]
    [InlineData("""{"hours": 1, "policy": "hpa"}""", "unknown field \"policy\" (accepted: hours, query)")]
    [InlineData("""[24]""", "the body must be a JSON object, not an array")]
    [InlineData("""{"hours": 1""", "the body is not JSON")]
    public async Task A_bad_body_gets_400_naming_the_problem_and_starts_nothing(string body, string expected)
    {
        var runner = new GatedRunner();
        await StartAsync(runner);

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.False(runner.Reached.Task.IsCompleted);
        Assert.Empty((await GetJsonAsync("/api/v1/services/webapp/simulations")).GetProperty("jobs").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_reports_folder_nothing_is_listed_and_a_replay_is_refused_saying_how_to_set_one()
    {
        await StartAsync(new GatedRunner(), reports: false);

        Assert.Empty((await GetJsonAsync("/api/v1/reports")).EnumerateArray());
        var response = await PostAsync("""{"hours": 1}""");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("start it with --reports DIR", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var about = await GetJsonAsync("/api/v1/services/webapp/simulations");
        Assert.Equal(JsonValueKind.Null, about.GetProperty("reports").ValueKind);
        Assert.Contains("--reports DIR", about.GetProperty("unavailable").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/reports/x/report.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, "/api/v1/services/nosuch/simulations", "{}")).StatusCode);
    }

    private void WriteReport(string name, string title, DateTimeOffset written) =>
        File.SetLastWriteTimeUtc(WriteReportAt(Path.Combine(Reports, name), title), written.UtcDateTime);

    private static string WriteReportAt(string folder, string title)
    {
        Directory.CreateDirectory(folder);
        var page = Path.Combine(folder, ReportsFolder.ReportFile);
        File.WriteAllText(page, $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>{title}</title></head><body>{title}</body></html>\n");
        return page;
    }

    private async Task<JsonElement> WaitForStateAsync(string id, string state)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var job = await GetJsonAsync($"/api/v1/simulations/{id}");
            if (job.GetProperty("state").GetString() == state)
            {
                return job;
            }

            await Task.Delay(10, deadline.Token);
        }
    }

    private async Task StartAsync(IReplayRunner runner, bool reports = true)
    {
        var options = new ScalerOptions { ApiToken = Token, ReportsDirectory = reports ? Reports : null };
        _app = ScalerHost.Build(options, ["http://127.0.0.1:0"], new NoTarget(), _ => new Steady(), b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddSingleton(runner);
            b.Logging.ClearProviders();
        });
        await _app.StartAsync(Ct);
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonOf(response);
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

    private Task<HttpResponseMessage> PostAsync(string body, string? token = Token) =>
        SendAsync(HttpMethod.Post, "/api/v1/services/webapp/simulations", body, token);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? token = Token)
    {
        // The path goes as written: Uri keeps %2F and the like escaped, so the server sees the attempt itself.
        using var request = new HttpRequestMessage(method, new Uri(_url, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, Ct);
    }

    /// <summary>
    /// A runner that reports half way, writes a report page, then waits at <see cref="Gate"/> (or for cancellation);
    /// <see cref="Next"/> makes a fresh gate for the next replay.
    /// </summary>
    private sealed class GatedRunner : IReplayRunner
    {
        private GatedRunner? _next;

        public TaskCompletionSource<ReplayRequest> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? Failure { get; init; }

        public bool SawCancellation { get; private set; }

        public GatedRunner Next() => _next = new GatedRunner();

        public async Task RunAsync(ReplayRequest request, IProgress<ReplayProgress> progress, CancellationToken cancellationToken)
        {
            if (_next is { } next)
            {
                await next.RunAsync(request, progress, cancellationToken);
                return;
            }

            WriteReportAt(request.OutputDirectory, $"Replay of {request.Service}");
            progress.Report(new ReplayProgress(0.5, "simulating"));
            Reached.SetResult(request);
            try
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancellation = true;
                throw;
            }

            if (Failure is not null)
            {
                throw new ReplayException(Failure);
            }
        }
    }

    private sealed class Steady : IMetricSource
    {
        public string Name => "avg_rt";

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(MetricReading.Ok("avg_rt", 0.4));
    }

    private sealed class NoTarget : IScaleTarget
    {
        public string Name => "memory";

        public Task<int> GetCurrentReplicasAsync(CancellationToken cancellationToken) => Task.FromResult(1);

        public Task<ScaleResult> ScaleAsync(int replicas, CancellationToken cancellationToken) => Task.FromResult(new ScaleResult(true, replicas, "ok"));
    }
}
