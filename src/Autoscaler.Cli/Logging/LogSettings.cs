using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Logging;

/// <summary>How log lines are written: plain text or one JSON object per line.</summary>
internal enum LogFormat
{
    Text,
    Json,
}

/// <summary>What a long-running verb logs and how: <c>--log-level</c> and <c>--log-format</c>.</summary>
internal sealed record LogSettings(LogLevel Level = LogLevel.Information, LogFormat Format = LogFormat.Text)
{
    /// <summary>ASP.NET Core, YARP and the host report requests and lifetimes at information; only their warnings are worth a line.</summary>
    public bool Allows(string category, LogLevel level) =>
        level != LogLevel.None && level >= (IsFramework(category) ? (LogLevel)Math.Max((int)Level, (int)LogLevel.Warning) : Level);

    /// <summary>The flags that make a child <c>autoscaler</c> process log the same way.</summary>
    public IEnumerable<string> Arguments() => [LogFlags.LevelFlag, LogFlags.Name(Level), LogFlags.FormatFlag, Format == LogFormat.Json ? "json" : "text"];

    private static bool IsFramework(string category) =>
        category.StartsWith("Microsoft.", StringComparison.Ordinal) || category.StartsWith("System.", StringComparison.Ordinal)
        || category.StartsWith("Yarp.", StringComparison.Ordinal);
}

/// <summary>The two logging flags every long-running verb (up, scaler, webapp, gateway) takes.</summary>
internal sealed class LogFlags
{
    public const string LevelFlag = "--log-level";
    public const string FormatFlag = "--log-format";

    private static readonly (string Name, LogLevel Level)[] Levels =
    [
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("info", LogLevel.Information), ("warn", LogLevel.Warning),
        ("error", LogLevel.Error), ("critical", LogLevel.Critical), ("none", LogLevel.None),
    ];

    private readonly Option<LogLevel?> _level = new(LevelFlag)
    {
        Description = "Least severe log lines written: trace, debug, info, warn, error, critical or none [default: info]. "
            + "ASP.NET Core and YARP lines only from warn up",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Parse(text) is { } level)
            {
                return level;
            }

            result.AddError($"{LevelFlag}: '{text}' is not a log level; use trace, debug, info, warn, error, critical or none");
            return null;
        },
    };

    private readonly Option<LogFormat?> _format = new(FormatFlag)
    {
        Description = "text: one line per event, `2025-06-01T07:46:42.125Z info ScalerLoop: message` (UTC); "
            + "json: one object per line with timestamp, level, category, message and the event's fields [default: text]",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (text.Equals("text", StringComparison.OrdinalIgnoreCase))
            {
                return LogFormat.Text;
            }

            if (text.Equals("json", StringComparison.OrdinalIgnoreCase))
            {
                return LogFormat.Json;
            }

            result.AddError($"{FormatFlag}: '{text}' is not a log format; use text or json");
            return null;
        },
    };

    public IEnumerable<Option> All => [_level, _format];

    public LogSettings Bind(ParseResult parse) => new(parse.GetValue(_level) ?? LogLevel.Information, parse.GetValue(_format) ?? LogFormat.Text);

    /// <summary>The short name a level is written and given as (<c>info</c>, <c>warn</c>…).</summary>
    public static string Name(LogLevel level) => Levels.First(l => l.Level == level).Name;

    /// <summary>A level by its short name or by .NET's (<c>Information</c>, <c>Warning</c>), any case.</summary>
    public static LogLevel? Parse(string text)
    {
        foreach (var (name, level) in Levels)
        {
            if (text.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }

        return Enum.TryParse<LogLevel>(text, ignoreCase: true, out var named) && Enum.IsDefined(named) && !int.TryParse(text, out _) ? named : null;
    }

    /// <summary>
    /// Adds <paramref name="settings"/>' flags to the arguments of child <c>autoscaler webapp</c> processes, unless the
    /// user already gave that flag there (a flag given twice is an error).
    /// </summary>
    public static void Forward(LogSettings settings, List<string> childArguments)
    {
        var given = childArguments.Select(a => a.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var forwarded = new List<string>();
        var pairs = settings.Arguments().Chunk(2);
        foreach (var pair in pairs)
        {
            if (!given.Contains(pair[0]))
            {
                forwarded.AddRange(pair);
            }
        }

        childArguments.InsertRange(0, forwarded);
    }
}
