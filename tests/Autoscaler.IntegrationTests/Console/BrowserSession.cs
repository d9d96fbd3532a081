using System.Globalization;
using System.Text.Json;
using Autoscaler.Testing;
using OpenQA.Selenium;

namespace Autoscaler.IntegrationTests.Console;

/// <summary>
/// One headless Chromium for one test: opens pages, waits for <c>data-testid</c> hooks, and keeps every JavaScript error
/// the page logs (uncaught exceptions, rejected promises, <c>console.error</c>) and every request of the page that failed
/// (no response, or a status of 400 or more) unless the test said it expects that one (<see cref="Expect"/>).
/// <see cref="AssertClean"/> fails the test on any of them. Disposing always quits the browser and its driver.
/// </summary>
internal sealed class BrowserSession : IDisposable
{
    /// <summary>Where the screenshots go: the repository's (ignored) artifacts folder, kept after the run.</summary>
    public static readonly string ScreenshotDirectory = RepositoryRoot.File("artifacts/console-screenshots");

    private static readonly (int Width, int Height)[] Sizes = [(1280, 800), (390, 844)];
    private readonly Chromium _chromium;
    private readonly List<string> _problems = [];
    private readonly List<(string Method, string Path, int Status)> _expected = [];
    private readonly Dictionary<string, (string Method, string Url)> _requests = [];
    private readonly List<string> _requested = [];

    private BrowserSession(Chromium chromium) => _chromium = chromium;

    public IWebDriver Driver => _chromium.Driver;

    /// <summary>The browser underneath (for checks that it is gone after dispose).</summary>
    public Chromium Chromium => _chromium;

    /// <summary>Every URL the page requested so far.</summary>
    public IReadOnlyList<string> Requested
    {
        get
        {
            Collect();
            return _requested;
        }
    }

    /// <summary>Starts the browser, or skips (fails on CI) the test with what to install.</summary>
    public static BrowserSession Start()
    {
        if (Chromium.Missing() is { } missing)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(missing);
            }

            Assert.Skip(missing);
        }

        var session = new BrowserSession(Chromium.Start(Sizes[0].Width, Sizes[0].Height));
        session.Resize(Sizes[0].Width, Sizes[0].Height);
        return session;
    }

    /// <summary>Opens <paramref name="url"/> and waits until an element with <paramref name="testId"/> is there.</summary>
    public IWebElement Open(Uri url, string testId)
    {
        Driver.Navigate().GoToUrl(url);
        return WaitFor(testId);
    }

    /// <summary>A request the test provokes on purpose (e.g. an action without the token): not counted as a failure.</summary>
    public void Expect(string method, string pathContains, int status) => _expected.Add((method, pathContains, status));

    public IWebElement WaitFor(string testId, TimeSpan? timeout = null) =>
        Until(() => Driver.FindElements(By.CssSelector(Hook(testId))).FirstOrDefault(e => e.Displayed), timeout, $"an element with data-testid=\"{testId}\"");

    /// <summary>Waits until <paramref name="probe"/> returns non-null; fails with <paramref name="what"/> and what the page showed otherwise.</summary>
    public T Until<T>(Func<T?> probe, TimeSpan? timeout, string what)
        where T : class
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var start = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                if (probe() is { } found)
                {
                    return found;
                }
            }
            catch (StaleElementReferenceException)
            {
                // the page redrew between finding and reading; look again
            }

            if (TimeProvider.System.GetElapsedTime(start) > limit)
            {
                Assert.Fail($"not within {limit.TotalSeconds} s: {what}\nat {Driver.Url}; page text:\n{PageText()}\n{Describe()}");
            }

            Thread.Sleep(200);
        }
    }

    public void Until(Func<bool> condition, TimeSpan? timeout, Func<string> what) =>
        Until(() => condition() ? "" : null, timeout, what());

    public IReadOnlyList<IWebElement> All(string testId) => Driver.FindElements(By.CssSelector(Hook(testId)));

    /// <summary>
    /// The text (or, with <paramref name="attribute"/>, that attribute) of every element with <paramref name="testId"/>,
    /// read in one step in the page, so a page that redraws while it polls cannot hand back a stale half.
    /// </summary>
    public IReadOnlyList<string> Read(string testId, string? attribute = null) =>
        [.. ((IReadOnlyCollection<object>)((IJavaScriptExecutor)Driver).ExecuteScript(
            "return [...document.querySelectorAll(arguments[0])].map(e => arguments[1] ? e.getAttribute(arguments[1]) ?? '' : e.innerText);",
            Hook(testId), attribute ?? "")!).Select(o => (string)o)];

    public static string Hook(string testId) => $"[data-testid=\"{testId}\"]";

    /// <summary>Writes the page as it is now at 1280×800 and 390×844 (<c>NAME-1280x800.png</c>, …); returns the files.</summary>
    public IReadOnlyList<string> Screenshots(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var files = new List<string>();
        foreach (var (width, height) in Sizes)
        {
            Resize(width, height);
            // Let the page's layout (and a chart that follows its container) settle at the new size.
            Thread.Sleep(400);
            var file = Path.Combine(ScreenshotDirectory, $"{name}-{width}x{height}.png");
            ((ITakesScreenshot)Driver).GetScreenshot().SaveAsFile(file);
            files.Add(file);
        }

        Resize(Sizes[0].Width, Sizes[0].Height);
        return files;
    }

    /// <summary>The JavaScript errors and failed requests so far (unexpected ones).</summary>
    public IReadOnlyList<string> Problems()
    {
        Collect();
        return [.. _problems];
    }

    /// <summary>Fails the test when the page logged a JavaScript error or a request of it failed.</summary>
    public void AssertClean()
    {
        var problems = Problems();
        Assert.True(problems.Count == 0, $"the page at {Driver.Url} had {problems.Count} problem(s):\n{string.Join('\n', problems)}");
    }

    public void Dispose() => _chromium.Dispose();

    private void Resize(int width, int height) =>
        _chromium.Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = width < 600,
        });

    private string PageText()
    {
        try
        {
            return Driver.FindElement(By.TagName("body")).Text;
        }
        catch (WebDriverException e)
        {
            return $"(no page text: {e.Message})";
        }
    }

    private string Describe()
    {
        var problems = Problems();
        return problems.Count == 0 ? "no JavaScript error or failed request" : $"problems so far:\n{string.Join('\n', problems)}";
    }

    private void Collect()
    {
        foreach (var entry in Driver.Manage().Logs.GetLog(LogType.Browser))
        {
            // A failed load is also a network event, judged below against what the test expects.
            if (entry.Level >= LogLevel.Severe && !entry.Message.Contains("Failed to load resource", StringComparison.Ordinal))
            {
                _problems.Add($"JavaScript error: {entry.Message}");
            }
        }

        foreach (var entry in Driver.Manage().Logs.GetLog("performance"))
        {
            using var json = JsonDocument.Parse(entry.Message);
            var message = json.RootElement.GetProperty("message");
            var method = message.GetProperty("method").GetString();
            var data = message.GetProperty("params");
            switch (method)
            {
                case "Network.requestWillBeSent":
                    var request = data.GetProperty("request");
                    var url = request.GetProperty("url").GetString()!;
                    _requests[data.GetProperty("requestId").GetString()!] = (request.GetProperty("method").GetString()!, url);
                    _requested.Add(url);
                    break;
                case "Network.responseReceived":
                    var response = data.GetProperty("response");
                    var status = response.GetProperty("status").GetInt32();
                    if (status >= 400)
                    {
                        Failed(data.GetProperty("requestId").GetString()!, response.GetProperty("url").GetString()!, status,
                            string.Create(CultureInfo.InvariantCulture, $"{status} {response.GetProperty("statusText").GetString()}"));
                    }

                    break;
                case "Network.loadingFailed" when !(data.TryGetProperty("canceled", out var canceled) && canceled.GetBoolean())
                    && _requests.TryGetValue(data.GetProperty("requestId").GetString()!, out var sent):
                    // A canceled request is one the page gave up itself (a poll aborted on leaving the page), not a failure;
                    // one never seen sent is the browser's own (at start it loads a page of its own that cannot resolve
                    // on a closed network), not the page's.
                    Failed(data.GetProperty("requestId").GetString()!, sent.Url, 0, data.GetProperty("errorText").GetString()!);
                    break;
            }
        }
    }

    private void Failed(string requestId, string url, int status, string what)
    {
        var method = _requests.TryGetValue(requestId, out var sent) ? sent.Method : "GET";
        // The browser asks for /favicon.ico on its own; that is not a request of the page.
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/favicon.ico")
        {
            return;
        }

        if (_expected.Any(e => e.Status == status && string.Equals(e.Method, method, StringComparison.OrdinalIgnoreCase)
            && url.Contains(e.Path, StringComparison.Ordinal)))
        {
            return;
        }

        _problems.Add($"failed request: {method} {url}: {what}");
    }
}
