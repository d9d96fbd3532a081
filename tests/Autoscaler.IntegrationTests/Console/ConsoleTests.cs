using System.Globalization;
using System.Text.Json;
using OpenQA.Selenium;
using Xunit.Sdk;
using Xunit.v3;

namespace Autoscaler.IntegrationTests.Console;

/// <summary>
/// The web console in headless Chromium against one real `autoscaler up` under load (<see cref="ConsoleStack"/>). Each
/// test fails on a JavaScript error or a failed request of the page. They run in the order written: the overview first,
/// while the load is scaling the stack out.
/// </summary>
[TestCaseOrderer(typeof(DeclarationOrder))]
public sealed class ConsoleTests(ConsoleStack shared) : IClassFixture<ConsoleStack>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_overview_follows_the_scaler_while_load_scales_it_out_its_chart_gains_points_and_the_scale_event_appears()
    {
        var stack = await shared.GetAsync();
        using var browser = BrowserSession.Start();
        browser.Open(shared.Page("overview"), "replicas-current");
        var chart = browser.WaitFor("chart-demand");
        // The first chart drawn.
        browser.Until(() => Points(chart) > 0, null, () => "a demand chart with points");
        var first = Points(chart);

        // The number on the page is the scaler's, and it follows it from one replica to more once the load starts.
        var seen = new SortedSet<int>();
        browser.Until(() => browser.WaitFor("replicas-current").Text == "1", null, () => "the page showing the one replica up starts with");
        shared.StartLoad();
        await UntilAsync(async () =>
        {
            var shown = Number(browser.WaitFor("replicas-current").Text);
            var status = await stack.CurrentReplicasAsync();
            if (shown == status && shown == Number(browser.WaitFor("replicas-current").Text))
            {
                seen.Add(shown);
            }

            return seen.Count >= 2 && seen.Max >= 2;
        }, Long, () => $"the page showed the scaler's count at {string.Join(", ", seen)} only; status now {stack.CurrentReplicasAsync().Result}");

        browser.Until(() => browser.All("scale-event").FirstOrDefault(e => e.Text.Contains("1 → 2", StringComparison.Ordinal)), Long, "a scale event 1 → 2");
        browser.Until(() => Points(chart) > first, Long, () => $"more than {first} points in the demand chart");
        // Prometheus' latency quantiles need a few scrapes of traffic before they have a point.
        browser.Until(() => Points(browser.WaitFor("chart-latency")) > 0, Long, () => "points in the latency chart");
        Assert.NotEmpty(browser.All("metric-row"));
        browser.AssertClean();
    }

    [Fact]
    public async Task The_decisions_page_shows_each_reason_as_the_api_gives_it_filters_by_direction_and_shows_a_record_as_json()
    {
        await shared.GetAsync();
        using var browser = BrowserSession.Start();
        browser.Open(shared.Page("decisions"), "decision-row");

        // The newest decision the API gives, reason for reason, on the page once it has polled.
        var newest = (await shared.DecisionsAsync())[0].GetProperty("decision").GetProperty("reason").GetString()!;
        browser.Until(() => browser.Read("decision-reason").Contains(newest), TimeSpan.FromSeconds(20),
            () => $"a decision-reason reading exactly \"{newest}\"");

        // A filter leaves the rows of its direction only; at a check every second most decisions hold, so "hold" leaves some.
        var directions = browser.Read("decision-row", "data-direction").ToHashSet();
        foreach (var direction in new[] { "hold", "up", "down" })
        {
            Choose(browser, direction);
            var rows = browser.Read("decision-row", "data-direction");
            Assert.All(rows, d => Assert.Equal(direction, d));
            Assert.True(direction != "hold" || rows.Count > 0, "the hold filter left no row");
        }

        Choose(browser, "all");
        Assert.Contains("hold", directions);
        // The row clicked (found again if a poll redrew the table meanwhile) and the record shown.
        var (reason, json) = browser.Until(() =>
        {
            var row = browser.WaitFor("decision-row");
            var text = row.FindElement(By.CssSelector(BrowserSession.Hook("decision-reason"))).Text;
            row.Click();
            return Tuple.Create(text, browser.WaitFor("decision-json").Text);
        }, null, "a click on a decision").ToValueTuple();
        using var record = JsonDocument.Parse(json);
        Assert.Equal(reason, record.RootElement.GetProperty("decision").GetProperty("reason").GetString());
        browser.AssertClean();
    }

    [Fact]
    public async Task Setting_replicas_without_the_token_is_refused_with_the_reason_and_with_the_token_the_count_changes()
    {
        var stack = await shared.GetAsync();
        using var browser = BrowserSession.Start();
        browser.Expect("PUT", "/replicas", 401);
        browser.Open(shared.Page("overview"), "action-replicas-submit");
        // Once the load is over nothing moves the count (scaling in is off): what the action sets stays set.
        await shared.LoadFinishedAsync();
        var before = await SteadyCountAsync(stack);
        var wanted = before < ConsoleStack.MaxReplicas ? before + 1 : before - 1;

        browser.WaitFor("action-replicas-input").SendKeys(wanted.ToString(CultureInfo.InvariantCulture));
        browser.WaitFor("action-replicas-submit").Click();
        var refusal = browser.Until(() => browser.WaitFor("action-message").Text is { Length: > 0 } t ? t : null, null, "an answer to the action");
        Assert.Contains("refused", refusal, StringComparison.Ordinal);
        Assert.Contains("401", refusal, StringComparison.Ordinal);
        Assert.Contains("token", refusal, StringComparison.Ordinal);
        Assert.Equal(before, await stack.CurrentReplicasAsync());

        browser.WaitFor("token-input").SendKeys(await shared.TokenAsync());
        browser.WaitFor("token-save").Click();
        browser.WaitFor("action-replicas-submit").Click();
        browser.Until(() => browser.WaitFor("action-message").Text.Contains("done", StringComparison.Ordinal), null,
            () => $"the action done; the page says: {browser.WaitFor("action-message").Text}");
        Assert.Equal(wanted, await stack.CurrentReplicasAsync());
        browser.Until(() => browser.WaitFor("replicas-current").Text == wanted.ToString(CultureInfo.InvariantCulture), TimeSpan.FromSeconds(15),
            () => $"the page showing {wanted} replicas");
        browser.AssertClean();
    }

    [Fact]
    public async Task A_simulation_report_in_the_reports_folder_opens_from_the_console()
    {
        await shared.GetAsync();
        using var browser = BrowserSession.Start();
        browser.Open(shared.Page("simulations"), "reports-list");
        var link = browser.Until(
            () => browser.All("report-link").FirstOrDefault(l => (l.GetAttribute("href") ?? "").Contains($"/reports/{ConsoleStack.ReportName}/", StringComparison.Ordinal)),
            null, $"a report-link to {ConsoleStack.ReportName}");
        var href = link.GetAttribute("href")!;

        // A click opens it in the page (B's report-frame), a plain visit of its link on its own.
        link.Click();
        var frame = browser.WaitFor("report-frame");
        browser.Driver.SwitchTo().Frame(frame);
        AssertReport(browser);
        browser.Driver.SwitchTo().DefaultContent();
        browser.Driver.Navigate().GoToUrl(href);
        AssertReport(browser);
        browser.AssertClean();
    }

    [Fact]
    public async Task Every_page_renders_without_an_error_at_desktop_and_phone_width_and_is_photographed()
    {
        await shared.GetAsync();
        using var browser = BrowserSession.Start();
        (string Page, string Ready)[] pages =
        [
            ("overview", "chart-demand"), ("decisions", "decision-row"), ("policy", "policy-text"), ("targets", "replica-row"), ("simulations", "reports-list"),
        ];
        var written = new List<string>();
        foreach (var (page, ready) in pages)
        {
            browser.Open(shared.Page(page), ready);
            if (page == "overview")
            {
                browser.Until(() => Points(browser.WaitFor("chart-demand")) > 0, null, () => "the demand chart drawn");
            }

            Assert.False(browser.All("page-error").Any(e => e.Displayed && e.Text.Length > 0),
                $"the {page} page shows an error: {string.Join(" ", browser.All("page-error").Select(e => e.Text))}");
            written.AddRange(browser.Screenshots($"console-{page}"));
        }

        Assert.Equal(pages.Length * 2, written.Count(File.Exists));
        browser.AssertClean();
    }

    /// <summary>The report simulate wrote, as the browser shows it: the policies it scored, its charts loaded.</summary>
    private static void AssertReport(BrowserSession browser)
    {
        var text = browser.Until(() => browser.Driver.FindElement(By.TagName("body")).Text is { } t && t.Contains("threshold", StringComparison.Ordinal) ? t : null,
            null, "the report's text naming the threshold policy");
        Assert.Contains("oracle", text, StringComparison.Ordinal);
        var images = browser.Driver.FindElements(By.TagName("img"));
        Assert.NotEmpty(images);
        browser.Until(() => images.All(img => Convert.ToInt64(((IJavaScriptExecutor)browser.Driver).ExecuteScript(
            "return arguments[0].complete ? arguments[0].naturalWidth : 0", img), CultureInfo.InvariantCulture) > 0), null,
            () => $"the report's {images.Count} images loaded");
    }

    private static void Choose(BrowserSession browser, string direction) =>
        browser.WaitFor("direction-filter").FindElement(By.CssSelector($"option[value=\"{direction}\"]")).Click();

    private static int Points(IWebElement chart) => int.Parse(chart.GetAttribute("data-points") ?? "0", CultureInfo.InvariantCulture);

    private static int Number(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    /// <summary>The count once the scaler has held it for 3 s with nothing wanted beyond it (the load may still be scaling).</summary>
    private static async Task<int> SteadyCountAsync(Live.LiveStack stack)
    {
        var (count, since) = (-1, TimeProvider.System.GetTimestamp());
        await UntilAsync(async () =>
        {
            var status = await stack.StatusAsync();
            var now = status.GetProperty("currentReplicas").GetInt32();
            if (now != count || status.GetProperty("desiredReplicas").GetInt32() != now)
            {
                (count, since) = (now, TimeProvider.System.GetTimestamp());
            }

            return TimeProvider.System.GetElapsedTime(since) > TimeSpan.FromSeconds(3);
        }, Long, () => "a steady replica count");
        return count;
    }

    private static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe) =>
        Live.LiveStack.WaitForAsync(condition, timeout, describe);
}

/// <summary>Runs a class's tests in the order they are written (their metadata tokens follow the source).</summary>
public sealed class DeclarationOrder : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        [.. testCases.OrderBy(t => t is IXunitTestCase x ? x.TestMethod.Method.MetadataToken : 0)];
}
