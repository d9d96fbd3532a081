using System.Globalization;
using System.Runtime.InteropServices;
using Autoscaler.IntegrationTests.Console;
using OpenQA.Selenium;

// bench/console/run.sh drives this: headless Chromium on the console's overview.
//   first-load URL [RUNS]     a fresh browser (empty cache) per run: milliseconds from navigation to the first chart drawn
//                             (chart-demand's data-points > 0) and the bytes transferred until then (Resource Timing)
//   open URL N SECONDS        N pages on the overview, each in its own window of one browser; prints "ready" once every
//                             chart is drawn (and how many pages are visible, i.e. polling), holds for SECONDS, quits
if (Chromium.Missing() is { } missing)
{
    Console.Error.WriteLine(missing);
    return 2;
}

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: first-load URL [RUNS] | open URL N SECONDS");
    return 2;
}

var url = new Uri(args[1]);
return args[0] switch
{
    "first-load" => FirstLoad(url, args.Length > 2 ? Int(args[2]) : 5),
    "open" when args.Length > 3 => Open(url, Int(args[2]), TimeSpan.FromSeconds(Int(args[3]))),
    _ => 2,
};

static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

static int FirstLoad(Uri url, int runs)
{
    var times = new List<double>();
    var bytes = new List<long>();
    for (var i = 0; i < runs; i++)
    {
        using var chromium = Chromium.Start(logs: false);
        var driver = chromium.Driver;
        // Taken by the page itself, the moment the chart first has points: no polling delay of ours in the number.
        driver.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument", new Dictionary<string, object?>
        {
            ["source"] = """
                new MutationObserver((_, observer) => {
                  const chart = document.querySelector('[data-testid="chart-demand"]');
                  if (chart && Number(chart.dataset.points) > 0 && !window.__chartDrawn) {
                    window.__chartDrawn = performance.now();
                    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
                    window.__transferred = entries.reduce((sum, e) => sum + e.transferSize, 0);
                    window.__resources = entries.map(e => `${e.transferSize} ${e.name}`).join('\n');
                    observer.disconnect();
                  }
                }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points'] });
                """,
        });
        driver.Navigate().GoToUrl(url);
        var js = (IJavaScriptExecutor)driver;
        var start = TimeProvider.System.GetTimestamp();
        while (js.ExecuteScript("return window.__chartDrawn ?? null") is null)
        {
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(30))
            {
                Console.Error.WriteLine($"no chart drawn within 30 s at {url}");
                return 1;
            }

            Thread.Sleep(20);
        }

        var ms = Convert.ToDouble(js.ExecuteScript("return window.__chartDrawn"), CultureInfo.InvariantCulture);
        var sent = Convert.ToInt64(js.ExecuteScript("return window.__transferred"), CultureInfo.InvariantCulture);
        times.Add(ms);
        bytes.Add(sent);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {i + 1}: first chart drawn {ms:F0} ms after navigation; {sent / 1024.0:F1} KB transferred"));
        if (i == 0)
        {
            Console.WriteLine($"  what the first run transferred (bytes, URL):\n  {((string)js.ExecuteScript("return window.__resources")!).Replace("\n", "\n  ", StringComparison.Ordinal)}");
        }
    }

    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"first chart drawn: median {times[times.Count / 2]:F0} ms, worst {times[^1]:F0} ms over {runs} cold loads (goal < 1000 ms); transferred: at most {bytes.Max() / 1024.0:F1} KB (goal < 200 KB)"));
    return 0;
}

static int Open(Uri url, int n, TimeSpan hold)
{
    // SIGTERM or SIGINT ends the hold early, and the browser is still quit on the way out (never left running).
    using var stop = new CancellationTokenSource();
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
    using var chromium = Chromium.Start(logs: false);
    var driver = chromium.Driver;
    var js = (IJavaScriptExecutor)driver;
    for (var i = 0; i < n; i++)
    {
        if (i > 0)
        {
            driver.SwitchTo().NewWindow(WindowType.Window);
        }

        driver.Navigate().GoToUrl(url);
    }

    var visible = 0;
    foreach (var handle in driver.WindowHandles)
    {
        driver.SwitchTo().Window(handle);
        var start = TimeProvider.System.GetTimestamp();
        while (js.ExecuteScript("return Number(document.querySelector('[data-testid=\"chart-demand\"]')?.dataset.points ?? 0)") is long points && points == 0)
        {
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(30))
            {
                Console.Error.WriteLine("a page drew no chart within 30 s");
                return 1;
            }

            Thread.Sleep(100);
        }

        visible += js.ExecuteScript("return document.visibilityState") as string == "visible" ? 1 : 0;
    }

    Console.WriteLine($"ready: {driver.WindowHandles.Count} pages on the overview, {visible} of them visible (polling)");
    Console.Out.Flush();
    stop.Token.WaitHandle.WaitOne(hold);
    return 0;
}
