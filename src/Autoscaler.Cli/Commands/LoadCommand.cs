using System.CommandLine;
using System.Globalization;
using Autoscaler.Cli.Load;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler load</c>: the open-loop load generator.</summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Address to send GET requests to, e.g. http://127.0.0.1:8000/", Required = true };
        var pattern = new Option<string>("--pattern")
        {
            Description = "How the rate changes over the run: constant, step, ramp, spike, sine or trace with the flags below, "
                + "or a pattern in the textual syntax, e.g. 'diurnal(min=20, max=200, day=10m)' or 'poisson(sine(mean=100, amplitude=50, period=1m), seed=7)'",
            DefaultValueFactory = _ => RatePatterns.Constant,
        };
        var rate = new Option<double?>("--rate") { Description = "Requests per second: the rate (constant), the start (ramp), the base (spike) or the mean (sine)" };
        var duration = VerbOptions.Duration("--duration", "How long to send [default: 30s]");
        var maxRequests = new Option<long?>("--max-requests") { Description = "Stop after sending this many requests" };
        var timeout = VerbOptions.Duration("--timeout", "Per-request timeout [default: 10s]");
        var maxInflight = new Option<int>("--max-inflight")
        {
            Description = "Most requests in flight at once; a request due beyond it is not sent and counts as failed (client_overloaded)",
            DefaultValueFactory = _ => LoadSettings.DefaultMaxInflight,
        };
        var json = new Option<string?>("--json") { Description = "Also write the summary, with per-second counts, as JSON to this file" };
        var steps = new Option<string?>("--steps") { Description = "step: time=rate points, e.g. 0s=50,10s=200,20s=50; each rate holds until the next point" };
        var to = new Option<double?>("--to") { Description = "ramp: rate at the end of the run (from --rate at the start)" };
        var spikeRate = new Option<double?>("--spike-rate") { Description = "spike: rate during the spike" };
        var spikeAt = VerbOptions.Duration("--spike-at", "spike: when the spike starts [default: a third of --duration]");
        var spikeDuration = VerbOptions.Duration("--spike-duration", "spike: how long the spike lasts [default: a third of --duration]");
        var amplitude = new Option<double?>("--amplitude") { Description = "sine: height of the wave above and below --rate (clipped at 0) [default: half of --rate]" };
        var period = VerbOptions.Duration("--period", "sine: length of one wave [default: --duration]");
        var trace = new Option<string?>("--trace") { Description = $"trace: CSV file with the header '{TraceRate.Header}'; each row's rate holds until the next row" };
        var timeScale = new Option<double?>("--time-scale") { Description = "trace: multiplies the trace's times; 0.5 plays it twice as fast [default: 1]" };

        var command = new Command("load", """
            Send open-loop load: requests go out on schedule whether or not earlier ones have answered, so an
            overloaded server cannot slow the load down. Latency is measured from each request's intended send time
            (no coordinated omission). One uncounted warm-up request goes out before the clock starts. Prints
            progress on stderr once a second and a summary on stdout at the end, also on Ctrl+C or SIGTERM (exit 130).
            Examples:
              autoscaler load --url http://127.0.0.1:8000/ --rate 200 --duration 30s
              autoscaler load --url http://127.0.0.1:8000/ --pattern step --steps 0s=50,10s=200,20s=50 --json out.json
              autoscaler load --url http://127.0.0.1:8000/ --pattern ramp --rate 10 --to 300 --duration 2m
              autoscaler load --url http://127.0.0.1:8000/ --pattern spike --rate 50 --spike-rate 400 --spike-at 20s --spike-duration 10s
              autoscaler load --url http://127.0.0.1:8000/ --pattern sine --rate 100 --amplitude 80 --period 1m
              autoscaler load --url http://127.0.0.1:8000/ --pattern trace --trace day.csv --time-scale 0.01
              autoscaler load --url http://127.0.0.1:8000/ --pattern 'poisson(diurnal(min=20, max=200, day=10m), seed=7)' --duration 10m
            Textual patterns:
            """ + "\n" + Indent(RatePatterns.Syntax))
        {
            url, pattern, rate, duration, maxRequests, timeout, maxInflight, json,
            steps, to, spikeRate, spikeAt, spikeDuration, amplitude, period, trace, timeScale,
        };

        // Which pattern each pattern-specific flag belongs to, so a flag that does not fit is an error, not ignored.
        var patternFlags = new (Option Option, string[] Patterns)[]
        {
            (rate, [RatePatterns.Constant, RatePatterns.Ramp, RatePatterns.Spike, RatePatterns.Sine]),
            (steps, [RatePatterns.Step]),
            (to, [RatePatterns.Ramp]),
            (spikeRate, [RatePatterns.Spike]),
            (spikeAt, [RatePatterns.Spike]),
            (spikeDuration, [RatePatterns.Spike]),
            (amplitude, [RatePatterns.Sine]),
            (period, [RatePatterns.Sine]),
            (trace, [RatePatterns.Trace]),
            (timeScale, [RatePatterns.Trace]),
        };

        command.SetAction(async (parse, _) =>
        {
            var text = parse.GetValue(pattern)!.Trim();
            var name = text.ToLowerInvariant();
            var textual = !FlagPatterns.Contains(name);
            IRatePattern? parsed = null;
            try
            {
                // Read a textual pattern first: a misspelt name is the problem to report, not the flags around it.
                parsed = textual ? RatePatterns.Parse(text) : null;
            }
            catch (InvalidWorkloadException e)
            {
                throw WorkloadProblem(e);
            }

            foreach (var (option, patterns) in patternFlags)
            {
                if (parse.GetResult(option) is { Implicit: false } && !patterns.Contains(name))
                {
                    throw new UsageException(textual
                        ? $"{option.Name} does not apply to --pattern '{text}'; give the parameters inside the pattern"
                        : $"{option.Name} does not apply to --pattern {name}; it is for {string.Join(", ", patterns)}");
                }
            }

            var target = ParseUrl(parse.GetValue(url)!);
            var length = parse.GetValue(duration) ?? LoadSettings.DefaultDuration;
            if (length <= TimeSpan.Zero)
            {
                throw new UsageException("--duration must be longer than 0s");
            }

            var requestTimeout = parse.GetValue(timeout) ?? LoadSettings.DefaultTimeout;
            if (requestTimeout <= TimeSpan.Zero)
            {
                throw new UsageException("--timeout must be longer than 0s");
            }

            var cap = parse.GetValue(maxRequests);
            if (cap is <= 0)
            {
                throw new UsageException($"--max-requests {cap} must be 1 or more");
            }

            var inflight = parse.GetValue(maxInflight);
            if (inflight is <= 0 or > LoadSettings.MostInflight)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--max-inflight {inflight} must be between 1 and {LoadSettings.MostInflight:N0}"));
            }

            var jsonPath = parse.GetValue(json);
            if (jsonPath is not null)
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
                if (string.IsNullOrWhiteSpace(jsonPath) || (directory is not null && !Directory.Exists(directory)))
                {
                    throw new UsageException($"--json '{jsonPath}': the directory does not exist");
                }
            }

            double Rate(Option<double?> option, double? fallback = null)
            {
                var value = parse.GetValue(option) ?? fallback
                    ?? throw new UsageException($"--pattern {name} needs {option.Name}");
                if (!double.IsFinite(value))
                {
                    throw new UsageException($"{option.Name} {Show(value)} is not a number of requests per second");
                }

                if (value < 0)
                {
                    throw new UsageException($"{option.Name} {Show(value)} is negative; rates are requests per second, 0 or more");
                }

                if (value > RatePatterns.MaxRate)
                {
                    throw new UsageException($"{option.Name} {Show(value)} is above {RatePatterns.MaxRateText}, the highest rate the tool takes");
                }

                return value;
            }

            IRatePattern workload;
            string description;
            try
            {
                switch (textual ? "" : name)
                {
                    case "":
                        (workload, description) = (parsed!, $"pattern {text}");
                        break;
                    case RatePatterns.Constant:
                        var constant = new ConstantRate(Rate(rate));
                        (workload, description) = (constant, $"constant {Show(constant.Rate)} req/s");
                        break;
                    case RatePatterns.Step:
                        var stepped = StepRate.Parse(parse.GetValue(steps) ?? throw new UsageException("--pattern step needs --steps, e.g. 0s=50,10s=200,20s=50"));
                        (workload, description) = (stepped, $"step {string.Join(',', stepped.Points.Select(p => $"{Durations.Format(p.At)}={Show(p.Rate)}"))}");
                        break;
                    case RatePatterns.Ramp:
                        var ramp = new RampRate(Rate(rate), Rate(to), length);
                        (workload, description) = (ramp, $"ramp {Show(ramp.From)} to {Show(ramp.To)} req/s");
                        break;
                    case RatePatterns.Spike:
                        var spike = new SpikeRate(Rate(rate), Rate(spikeRate), parse.GetValue(spikeAt) ?? length / 3, parse.GetValue(spikeDuration) ?? length / 3);
                        (workload, description) = (spike, $"spike {Show(spike.BaseRate)} req/s, {Show(spike.PeakRate)} req/s from {Durations.Format(spike.At)} for {Durations.Format(spike.Length)}");
                        break;
                    case RatePatterns.Sine:
                        var mean = Rate(rate);
                        var sine = new SineRate(mean, Rate(amplitude, mean / 2), parse.GetValue(period) ?? length);
                        (workload, description) = (sine, $"sine {Show(sine.Mean)}±{Show(sine.Amplitude)} req/s every {Durations.Format(sine.Period)}");
                        break;
                    default:
                        var file = parse.GetValue(trace) ?? throw new UsageException("--pattern trace needs --trace FILE");
                        var replay = TraceRate.Load(file, parse.GetValue(timeScale) ?? 1);
                        (workload, description) = (replay, $"trace {file}{(replay.TimeScale == 1 ? "" : $" ×{Show(replay.TimeScale)} time")}");
                        break;
                }
            }
            catch (InvalidWorkloadException e)
            {
                throw WorkloadProblem(e);
            }

            var settings = new LoadSettings(target, workload, description, length, cap, requestTimeout, inflight);
            return await RunAsync(settings, jsonPath);
        });
        return command;
    }

    private static async Task<int> RunAsync(LoadSettings settings, string? jsonPath)
    {
        // Run socket completions on the event thread instead of hopping to the thread pool: the work per response
        // is tiny, and skipping the hop (and the thread wake-up behind it) saves about 40 % of the generator's CPU,
        // which the target on the same machine needs. Read once, when the first socket is used, so set it before.
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        // The first signal stops sending and still prints the summary; a second one ends the process at once.
        using var interruption = new Interruption();

        await Console.Error.WriteLineAsync(
            $"load: {settings.PatternDescription} against {settings.Url} for {Durations.Format(settings.Duration)}; Ctrl+C stops and prints the summary");
        var run = new LoadRun(settings, TimeProvider.System, Console.Error, progressIsTerminal: !Console.IsErrorRedirected);
        var printed = 0;
        void Print(LoadSummary? summary)
        {
            if (summary is not null && Interlocked.Exchange(ref printed, 1) == 0)
            {
                Console.Out.Write(summary.ToText());
                Console.Out.Flush();
            }
        }

        // Thousands of failing requests (10 M req/s at a port that refuses) can queue their callbacks on the thread pool
        // ahead of the run's own end: past this, the summary of what was counted is printed and the process exits.
        interruption.ExitAfter(InterruptDeadline, () =>
        {
            Print(run.SummarizeNow());
            Console.Error.WriteLine("load: the requests in flight did not end in time; the summary counts them as they were");
        });
        var summary = await run.RunAsync(interruption.Token);
        interruption.Finished();
        Print(summary);

        if (jsonPath is not null)
        {
            try
            {
                await File.WriteAllTextAsync(jsonPath, summary.ToJson());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"autoscaler load: cannot write --json '{jsonPath}': {e.Message}");
                return ExitCodes.Failure;
            }
        }

        return summary.Interrupted ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    // From the signal to the exit: under 2 s with the summary written.
    private static readonly TimeSpan InterruptDeadline = TimeSpan.FromMilliseconds(1500);

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            throw new UsageException($"--url '{text}' is not an http:// or https:// address");
        }

        return uri;
    }

    private static string Show(double value) => value.ToString(Math.Abs(value) < 1e9 ? "0.###" : "0.###e+0", CultureInfo.InvariantCulture);

    /// <summary>The patterns configured by flags; anything else given to --pattern is the textual syntax.</summary>
    private static readonly string[] FlagPatterns =
        [RatePatterns.Constant, RatePatterns.Step, RatePatterns.Ramp, RatePatterns.Spike, RatePatterns.Sine, RatePatterns.Trace];

    // Syntax errors quote the pattern ("pattern '…': …", "'zigzag' is not a pattern"): say which flag held it.
    private static UsageException WorkloadProblem(InvalidWorkloadException e) => new(
        e.Message.StartsWith("pattern '", StringComparison.Ordinal) ? "--" + e.Message
        : e.Message.StartsWith('\'') ? "--pattern " + e.Message
        : e.Message);

    private static string Indent(string text) =>
        string.Join('\n', text.TrimEnd().Split('\n').Select(line => "  " + line));
}
