using System.Globalization;
using System.Text;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Simulation.Runner;
using Autoscaler.Simulation.Scenarios;
using Autoscaler.Simulation.Workloads;
using CsCheck;

namespace Autoscaler.Simulation.Tests;

/// <summary>
/// Issue 15, finding 2: random and mutated policy files (ours, HorizontalPodAutoscalers, KEDA ScaledObjects), scenarios,
/// traces and textual patterns, fed to the readers. Each input must give a result or the reader's own exception with one
/// line per problem; never another exception, a hang (5 s per input) or more than 500 MB allocated. Each property runs
/// for a few seconds (about 25 s in all on two cores). CsCheck prints the seed of a failing input and shrinks it; set the
/// environment variable CsCheck_Seed to that seed to run exactly that input again.
/// </summary>
public sealed class ReaderFuzzTests
{
    private const long MaxAllocatedBytes = 500L * 1024 * 1024;
    private static readonly TimeSpan InputTimeout = TimeSpan.FromSeconds(5);

    // Seconds each property runs; CI keeps the defaults, FUZZ_SECONDS runs longer by hand.
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 6;

    // What mutations insert: numbers at and past every bound, YAML structure and aliases, durations, PromQL and formula pieces.
    private static readonly string[] Tokens =
    [
        "1e308", "-1e308", "1e12", "1e7", "10000001", "-1", "0", "NaN", ".nan", ".inf", "-.inf", "2147483648", "99999999999999999999",
        "99999999999999999999w", "400d", "1e-300", "0.0000001ms", "53w", "365d", "1y", "00:00:00", "10675199.02:48:05",
        "[", "]", "{", "}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", ": ", "- ", "---\n", "...\n",
        "&a ", "*a", "!!binary ", "!!str ", "|\n", ">\n", "'", "\"", "#", "\t", "\r\n", "\0", "\uFEFF", "~", "null", "true",
        "(((((((((((((((((((((((((((((((((((((((((", ")", "sum(", "poisson(", "+", ",", "=", "rate(", "[1y]", "[30s]",
        "kind: List\nitems:\n", "kind: ScaledObject\n", "kind: HorizontalPodAutoscaler\n", "metrics:\n", "triggers:\n",
        "type: trace\nfile: ../../../../etc/passwd\n", "type: sum\nof: []\n", "fixed: 10001\n", "maxReplicas: 10000\n",
    ];

    private static readonly string[] Policies = Corpus(Path.Combine("deploy", "policies"), "*.yaml").Concat(
    [
        """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: webapp
          annotations: {autoscaler.dev/query.webapp_rps: 'sum(rate(webapp_request_count_total[1m]))'}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: webapp}
          minReplicas: 2
          maxReplicas: 10
          metrics:
            - type: External
              external: {metric: {name: webapp_rps}, target: {type: AverageValue, averageValue: "30"}}
          behavior:
            scaleDown: {stabilizationWindowSeconds: 60, policies: [{type: Pods, value: 1, periodSeconds: 30}]}
        """,
        """
        apiVersion: keda.sh/v1alpha1
        kind: ScaledObject
        metadata: {name: webapp, annotations: {autoscaling.keda.sh/paused-replicas: "3"}}
        spec:
          scaleTargetRef: {name: webapp}
          minReplicaCount: 0
          maxReplicaCount: 8
          fallback: {failureThreshold: 3, replicas: 4}
          advanced:
            scalingModifiers: {formula: "(rps + queue / 10) / 2", target: "30"}
          triggers:
            - {type: prometheus, name: rps, metadata: {serverAddress: 'http://prometheus:9090', query: 'sum(rate(webapp_request_count_total[1m]))', threshold: "25"}}
            - {type: prometheus, name: queue, metadata: {serverAddress: 'http://prometheus:9090', query: 'sum(webapp_queue_length)', threshold: "5"}}
            - {type: cron, metadata: {timezone: Europe/Berlin, start: 0 8 * * 1-5, end: 0 18 * * 1-5, desiredReplicas: "3"}}
        """,
    ]).ToArray();

    private static readonly string[] Scenarios = Corpus("scenarios", "*.yaml").Concat(Corpus(Path.Combine("scenarios", "benchmark"), "*.yaml")).ToArray();

    private static readonly string[] Traces = Corpus(Path.Combine("scenarios", "traces"), "*.csv").Select(t => t[..Math.Min(t.Length, 4000)])
        .Append("seconds,rps\n0,10\n60,1e7\n120,10\n").Append("seconds,rps\r\n0,1\r\n0.5,2\r\n").ToArray();

    private static readonly string[] Patterns =
    [
        "poisson(diurnal(min=20, max=200, peak=15, weekend=0.5, day=10m), seed=7) + spike(base=0, peak=300, at=4m, length=20s)",
        "step(0s=50, 10s=200, 20s=50)", "ramp(from=10, to=300, over=2m)", "sine:mean=100,amplitude=50,period=1m", "sum(1, 2, constant(rate=3))",
    ];

    [Fact]
    public void Policy_files_of_every_format_give_problems_or_a_policy_never_another_exception()
    {
        Check.Sample(Input(Policies), text => Guarded(text, () =>
        {
            foreach (var document in PolicyFiles.ParseAll(text, "fuzz.yaml"))
            {
                AssertOneLineEach(document.Problems.Select(p => p.ToString()), expectSome: !document.Ok);
                if (document.Ok)
                {
                    // What is accepted must also run, and read back the same once written.
                    document.Spec!.CreatePipeline(TimeProvider.System);
                    var written = PolicyFile.Write(document.Spec);
                    Assert.Equal(written, PolicyFile.Write(PolicyFiles.Parse(written, "written.yaml")));
                }
            }
        }), time: Seconds, writeLine: TestContext.Current.TestOutputHelper!.WriteLine);
    }

    [Fact]
    public void Scenarios_give_problems_or_a_run_never_another_exception()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "scenarios");
        Check.Sample(Input(Scenarios), text => Guarded(text, () =>
        {
            Scenario scenario;
            try
            {
                scenario = ScenarioFile.Parse(text, "fuzz.yaml", directory);
            }
            catch (ScenarioException e)
            {
                AssertOneLineEach(e.Problems);
                return;
            }

            // Accepted: it runs, kept to a few thousand steps so that the property stays fast.
            try
            {
                SimulationRunner.Run(scenario with { Duration = Min(scenario.Duration, scenario.Step * 2000) }, threads: 1, cancellationToken: TestContext.Current.CancellationToken);
            }
            catch (ScenarioException e)
            {
                AssertOneLineEach(e.Problems);
            }
        }), time: Seconds, writeLine: TestContext.Current.TestOutputHelper!.WriteLine);
    }

    [Fact]
    public void Traces_and_textual_patterns_give_one_problem_or_a_workload_within_the_bounds()
    {
        Check.Sample(Input(Traces), text => Guarded(text, () =>
        {
            try
            {
                var trace = TraceRate.Parse(new StringReader(text), "fuzz.csv");
                Assert.InRange(trace.Peak, 0, RatePatterns.MaxRate);
                Assert.InRange(trace.LastPointAt, TimeSpan.Zero, RatePatterns.MaxDuration);
            }
            catch (InvalidWorkloadException e)
            {
                AssertOneLineEach([e.Message]);
            }
        }), time: Seconds / 2, writeLine: TestContext.Current.TestOutputHelper!.WriteLine);

        Check.Sample(Input(Patterns), text => Guarded(text, () =>
        {
            try
            {
                var pattern = RatePatterns.Parse(text, Path.GetTempPath());
                Assert.InRange(pattern.Peak, 0, RatePatterns.MaxRate);
                foreach (var at in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(3), TimeSpan.FromDays(6) })
                {
                    Assert.True(double.IsFinite(pattern.RateAt(at)) && pattern.RateAt(at) >= 0, $"rate at {at}: {pattern.RateAt(at)}");
                }
            }
            catch (InvalidWorkloadException e)
            {
                AssertOneLineEach([e.Message]);
            }
        }), time: Seconds / 2, writeLine: TestContext.Current.TestOutputHelper!.WriteLine);
    }

    // A corpus file mutated a few times, or (one input in eight) text made of YAML's and PromQL's characters.
    private static Gen<string> Input(string[] corpus)
    {
        var mutation = Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[1, 200], Gen.Int[0, Tokens.Length - 1]);
        var mutated = Gen.Select(Gen.Int[0, corpus.Length - 1], mutation.Array[1, 8], (i, ms) => Mutate(corpus[i], ms));
        var random = Gen.Char[" \n\t-:[]{},'\"#&*!|>0123456789.eE+abcdefghijklmnopqrstuvwxyz()=_/"].Array[0, 2000].Select(chars => new string(chars));
        return Gen.Frequency((7, (IGen<string>)mutated), (1, random));
    }

    private static string Mutate(string text, (int Op, int At, int Length, int Token)[] mutations)
    {
        var s = new StringBuilder(text);
        foreach (var (op, at, length, token) in mutations)
        {
            var i = s.Length == 0 ? 0 : at % s.Length;
            var n = Math.Min(length, s.Length - i);
            switch (op)
            {
                case 0:
                    s.Insert(i, Tokens[token]);
                    break;
                case 1:
                    s.Remove(i, n);
                    break;
                case 2 when s.Length > 0:
                    s[i] = Tokens[token][0];
                    break;
                case 3:
                    // A slice repeated: long lines, long lists, deep nesting.
                    var slice = s.ToString(i, n);
                    for (var k = 0; k < 1 + (token * 37 % 300) && s.Length < 300_000; k++)
                    {
                        s.Insert(i, slice);
                    }

                    break;
                case 4:
                    // A number in the text replaced by a token.
                    var start = Enumerable.Range(i, s.Length - i).FirstOrDefault(j => char.IsDigit(s[j]), -1);
                    if (start >= 0)
                    {
                        var end = start;
                        while (end < s.Length && (char.IsDigit(s[end]) || s[end] is '.' or 'e'))
                        {
                            end++;
                        }

                        s.Remove(start, end - start).Insert(start, Tokens[token]);
                    }

                    break;
                default:
                    // Two lines swapped.
                    var lines = s.ToString().Split('\n');
                    if (lines.Length > 1)
                    {
                        var (a, b) = (i % lines.Length, (i + length) % lines.Length);
                        (lines[a], lines[b]) = (lines[b], lines[a]);
                        s.Clear().Append(string.Join('\n', lines));
                    }

                    break;
            }
        }

        return s.ToString();
    }

    /// <summary>Runs <paramref name="read"/> on a thread of its own: it must end within the timeout and allocate at most 500 MB.</summary>
    private static void Guarded(string input, Action read)
    {
        Exception? failure = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                read();
            }
            catch (Exception e)
            {
                failure = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        {
            IsBackground = true,
            Name = "fuzz input",
        };
        thread.Start();
        Assert.True(thread.Join(InputTimeout), $"no answer within {InputTimeout.TotalSeconds} s for {Show(input)}");
        if (failure is not null)
        {
            throw new InvalidOperationException($"{failure.GetType().Name} for {Show(input)}: {failure.Message}", failure);
        }

        Assert.True(allocated <= MaxAllocatedBytes, $"{allocated / 1e6:0} MB allocated for {Show(input)}");
    }

    private static void AssertOneLineEach(IEnumerable<string> problems, bool expectSome = true)
    {
        var all = problems.ToList();
        if (expectSome)
        {
            Assert.NotEmpty(all);
        }

        Assert.All(all, p => Assert.True(p.Length > 0 && !p.Contains('\n', StringComparison.Ordinal), $"not one line: '{p}'"));
    }

    private static string Show(string input) => input.Length <= 400 ? $"'{input}'" : $"'{input[..400]}…' ({input.Length} characters)";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static IEnumerable<string> Corpus(string folder, string pattern)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, folder);
        return Directory.Exists(directory) ? Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal).Select(File.ReadAllText) : [];
    }
}
