using System.Collections.Concurrent;
using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Autoscaler.IntegrationTests.Console;

/// <summary>
/// Debian's <c>chromium</c> driven through its <c>chromium-driver</c> (never a downloaded browser: both paths are given,
/// so Selenium Manager is not asked), headless, in a fresh profile that is deleted again. Quitting is certain: when
/// <c>Quit</c> fails or the process dies, every process whose command line names the profile, and the driver's tree,
/// are killed by pid. Shared by the console's browser tests and <c>bench/console</c>.
/// </summary>
internal sealed class Chromium : IDisposable
{
    public const string Browser = "/usr/bin/chromium";
    public const string DriverBinary = "/usr/bin/chromedriver";

    private static readonly ConcurrentDictionary<Chromium, byte> Open = new();
    private readonly string _profile;
    private readonly int _driverPid;
    private int _disposed;

    static Chromium()
    {
        // A test process that dies leaves no browser behind either.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var chromium in Open.Keys)
            {
                chromium.Dispose();
            }
        };
    }

    private Chromium(ChromeDriver driver, string profile, int driverPid)
    {
        Driver = driver;
        _profile = profile;
        _driverPid = driverPid;
    }

    public ChromeDriver Driver { get; }

    /// <summary>The profile directory: unique to this browser, so it names its processes.</summary>
    public string Profile => _profile;

    /// <summary>The chromedriver process.</summary>
    public int DriverPid => _driverPid;

    /// <summary>What is missing to run a browser, or null when both binaries are there.</summary>
    public static string? Missing() =>
        File.Exists(Browser) && File.Exists(DriverBinary) ? null : $"{Browser} or {DriverBinary} is missing; install them with `apt-get install chromium chromium-driver`";

    /// <summary>
    /// Starts a headless browser with a window of <paramref name="width"/>×<paramref name="height"/>. With
    /// <paramref name="logs"/>, the browser's console (SEVERE) and its network events (the performance log) are kept
    /// for <see cref="ILogs.GetLog"/>.
    /// </summary>
    public static Chromium Start(int width = 1280, int height = 800, bool logs = true)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"autoscaler-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        var options = new ChromeOptions { BinaryLocation = Browser };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            // Without these Chromium keeps trying to reach Google's services, which on a closed network is a flood of
            // failing connections (and CPU that the benchmark would count against the page).
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", $"--window-size={width},{height}", $"--user-data-dir={profile}");
        if (logs)
        {
            options.SetLoggingPreference(LogType.Browser, LogLevel.Severe);
            options.SetLoggingPreference("performance", LogLevel.All);
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverBinary)!, Path.GetFileName(DriverBinary));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        ChromeDriver driver;
        try
        {
            driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        }
        catch
        {
            var pid = service.ProcessId;
            service.Dispose();
            KillTree(pid);
            KillProfile(profile);
            DeleteProfile(profile);
            throw;
        }

        var chromium = new Chromium(driver, profile, service.ProcessId);
        Open[chromium] = 0;
        return chromium;
    }

    /// <summary>The pids of the processes still running with this browser's profile (its browser, renderers, helpers).</summary>
    public IReadOnlyList<int> ProfileProcesses() => ProcessesNaming(_profile);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Open.TryRemove(this, out _);
        try
        {
            Driver.Quit(); // closes the browser, then stops chromedriver
        }
        catch (WebDriverException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            Driver.Dispose();
            KillTree(_driverPid);
            KillProfile(_profile);
            DeleteProfile(_profile);
        }
    }

    private static void KillTree(int pid)
    {
        if (pid <= 0)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.ProcessName.Contains("chromedriver", StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (ArgumentException)
        {
            // already gone
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void KillProfile(string profile)
    {
        // Chromium's helpers may outlive a failed quit, reparented away from chromedriver; the unique profile path in
        // their command line makes them ours.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var left = ProcessesNaming(profile);
            if (left.Count == 0)
            {
                return;
            }

            foreach (var pid in left)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }

            Thread.Sleep(100);
        }
    }

    private static List<int> ProcessesNaming(string text)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                // A zombie (exited, not yet reaped) has an empty command line and holds nothing.
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    private static void DeleteProfile(string profile)
    {
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
