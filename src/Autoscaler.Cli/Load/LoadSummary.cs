using System.Globalization;
using System.Text;
using System.Text.Json;
using Autoscaler.Core.Time;

namespace Autoscaler.Cli.Load;

/// <summary>What a run is, for the summary's heading.</summary>
internal sealed record LoadRunInfo(string Url, string Pattern, TimeSpan Duration);

/// <summary>Latency of successful requests in milliseconds, measured from each request's intended send time.</summary>
internal sealed record LatencySummary(long Count, double Mean, double P50, double P90, double P99, double Max);

/// <summary>Requests whose intended send time fell in one second of the run (<see cref="Late"/>: sent more than 10 ms late).</summary>
internal sealed record SecondBucket(int Second, long Sent, long Succeeded, long Failed, double MeanLatencyMs, long Late);

/// <summary>
/// The outcome of a run. <see cref="Scheduled"/> requests were due; <see cref="Sent"/> of them went out;
/// <see cref="Failed"/> counts failures of every kind, including requests never sent because too many were
/// in flight (<c>client_overloaded</c>); <see cref="Unfinished"/> had no outcome when the run ended.
/// </summary>
internal sealed record LoadSummary(
    string Url,
    string Pattern,
    double DurationSeconds,
    double ElapsedSeconds,
    bool Interrupted,
    long Scheduled,
    long Sent,
    long Succeeded,
    long Failed,
    long Unfinished,
    IReadOnlyDictionary<string, long> Failures,
    double AskedRate,
    double AchievedRate,
    LatencySummary LatencyMs,
    long LateSends,
    double LateFraction,
    IReadOnlyDictionary<string, long> Replicas,
    IReadOnlyList<SecondBucket> Seconds)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The human summary printed at the end of a run.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"load: {Pattern} against {Url}, {Durations.Format(TimeSpan.FromSeconds(ElapsedSeconds))}{(Interrupted ? " (interrupted)" : "")}");
        text.AppendLine(c, $"  requests   {Sent} sent, {Succeeded} succeeded, {Failed} failed{(Unfinished > 0 ? $", {Unfinished} unfinished" : "")}");
        if (Failures.Count > 0)
        {
            text.AppendLine(c, $"  failures   {string.Join(", ", Failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value}"))}");
        }

        text.AppendLine(c, $"  rate       {AchievedRate:0.0} req/s achieved, {AskedRate:0.0} req/s asked");
        if (LatencyMs.Count == 0)
        {
            text.AppendLine("  latency    no successful requests");
        }
        else
        {
            text.AppendLine(c, $"  latency    p50 {LatencyMs.P50:0.###} ms, p90 {LatencyMs.P90:0.###} ms, p99 {LatencyMs.P99:0.###} ms, max {LatencyMs.Max:0.###} ms (from intended send time)");
        }

        text.AppendLine(c, $"  late sends {LateSends} ({LateFraction * 100:0.##}%) left more than {OpenLoopSender.LateThreshold.TotalMilliseconds:0} ms after their time");
        text.Append(c, $"  replicas   {Replicas.Count} answered");
        if (Replicas.Count > 0)
        {
            text.Append(c, $": {string.Join(", ", Replicas.Select(r => $"{r.Key} {r.Value}"))}");
        }

        return text.AppendLine().ToString();
    }
}
