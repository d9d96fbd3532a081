using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Autoscaler.IntegrationTests.Console;

/// <summary>
/// The browser harness itself, against small pages served here: it must catch what it promises to catch (an uncaught
/// error, a rejected promise, a failed request), let through what a test expects, and leave no browser behind. Without
/// these, a console test that passes could mean a harness that sees nothing.
/// </summary>
public sealed class BrowserHarnessTests : IAsyncLifetime
{
    private const string Shell = """
        <!doctype html><html><head><meta charset="utf-8"><title>harness</title></head>
        <body><p data-testid="ready">ready</p><p data-testid="loaded"></p><script>{0}</script></body></html>
        """;

    private WebApplication _app = null!;
    private Uri _url = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        Page("/clean", "fetch('/data').then(r => r.json()).then(d => document.querySelector('[data-testid=loaded]').textContent = d.value);");
        Page("/throws", "setTimeout(() => { throw new Error('boom from the page'); }, 50);");
        Page("/rejects", "Promise.reject(new Error('a promise nobody caught'));");
        Page("/missing", "fetch('/api/nothing-here');");
        Page("/refused", "fetch('/api/action', { method: 'PUT' }).then(r => document.querySelector('[data-testid=loaded]').textContent = r.status);");
        _app.MapGet("/data", () => Results.Json(new { value = "42" }));
        _app.MapPut("/api/action", () => Results.Text("needs the API token", statusCode: 401));
        await _app.StartAsync(TestContext.Current.CancellationToken);
        _url = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void A_clean_page_passes_and_its_screenshots_are_written_at_both_sizes()
    {
        using var browser = BrowserSession.Start();
        browser.Open(new Uri(_url, "/clean"), "ready");
        browser.Until(() => browser.WaitFor("loaded").Text == "42", null, () => "the page's fetch result");

        var files = browser.Screenshots("harness-clean");

        browser.AssertClean();
        Assert.Equal(["harness-clean-1280x800.png", "harness-clean-390x844.png"], files.Select(Path.GetFileName));
        foreach (var (file, width, height) in files.Zip([(1280, 800), (390, 844)], (f, s) => (f, s.Item1, s.Item2)))
        {
            Assert.Equal((width, height), PngSize(file));
        }
    }

    [Fact]
    public void The_harness_catches_an_uncaught_error_a_rejected_promise_and_a_failed_request()
    {
        // One browser for the three pages (a browser start is the slow part); each must add its own problem.
        using var browser = BrowserSession.Start();
        foreach (var (page, expected) in new[] { ("/throws", "boom from the page"), ("/rejects", "a promise nobody caught"), ("/missing", "/api/nothing-here: 404") })
        {
            browser.Open(new Uri(_url, page), "ready");
            browser.Until(() => browser.Problems().Any(p => p.Contains(expected, StringComparison.Ordinal)), null,
                () => $"a problem naming \"{expected}\" on {page}; got: {string.Join(" | ", browser.Problems())}");
        }

        Assert.Equal(3, browser.Problems().Count);
        Assert.ThrowsAny<Exception>(browser.AssertClean);
    }

    [Fact]
    public void A_refusal_the_test_expects_is_not_a_failure_but_an_unexpected_one_is()
    {
        using (var expecting = BrowserSession.Start())
        {
            expecting.Expect("PUT", "/api/action", 401);
            expecting.Open(new Uri(_url, "/refused"), "ready");
            expecting.Until(() => expecting.WaitFor("loaded").Text == "401", null, () => "the refusal");
            expecting.AssertClean();
        }

        using var surprised = BrowserSession.Start();
        surprised.Open(new Uri(_url, "/refused"), "ready");
        surprised.Until(() => surprised.WaitFor("loaded").Text == "401", null, () => "the refusal");
        Assert.Contains(surprised.Problems(), p => p.Contains("PUT", StringComparison.Ordinal) && p.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public void Disposing_quits_the_browser_and_the_driver_even_after_a_failed_assertion()
    {
        Chromium chromium;
        var browser = BrowserSession.Start();
        chromium = browser.Chromium;
        try
        {
            browser.Open(new Uri(_url, "/clean"), "ready");
            Assert.NotEmpty(chromium.ProfileProcesses());
            Assert.Throws<Xunit.Sdk.FailException>(() => browser.Until(() => false, TimeSpan.FromSeconds(1), () => "something that never happens"));
        }
        finally
        {
            browser.Dispose();
        }

        Assert.Empty(chromium.ProfileProcesses());
        Assert.False(Alive(chromium.DriverPid), $"chromedriver {chromium.DriverPid} is still running");
        Assert.False(Directory.Exists(chromium.Profile));
    }

    private void Page(string path, string script) =>
        _app.MapGet(path, () => Results.Content(Shell.Replace("{0}", script, StringComparison.Ordinal), "text/html"));

    private static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        // A zombie ('Z') has exited; only its parent's bookkeeping is left.
        return File.Exists(stat) && File.ReadAllText(stat).Split(") ")[1][0] != 'Z';
    }

    private static (int Width, int Height) PngSize(string file)
    {
        var header = new byte[24];
        using (var stream = File.OpenRead(file))
        {
            stream.ReadExactly(header);
        }

        return ((header[16] << 24) | (header[17] << 16) | (header[18] << 8) | header[19], (header[20] << 24) | (header[21] << 16) | (header[22] << 8) | header[23]);
    }
}
