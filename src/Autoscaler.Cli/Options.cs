using System.CommandLine;
using Autoscaler.Core.Options;
using Autoscaler.Core.Time;
using Autoscaler.Simulation.Workloads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Autoscaler.Cli;

/// <summary>Helpers shared by the verbs for flags and configuration.</summary>
internal static class VerbOptions
{
    /// <summary>A flag that takes a duration such as 500ms, 30s or 2m, at most a year (<see cref="RatePatterns.MaxDuration"/>).</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var value) && value >= TimeSpan.Zero)
            {
                if (value > RatePatterns.MaxDuration)
                {
                    result.AddError($"{name}: {text} is longer than {RatePatterns.MaxDurationText}, the longest the tool takes");
                    return null;
                }

                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration; use e.g. 500ms, 30s, 2m, 1w or a number of seconds");
            return null;
        },
    };

    /// <summary>
    /// Binds <typeparamref name="T"/> from appsettings.json and environment variables (<c>Section__Key</c>),
    /// lets <paramref name="applyFlags"/> overlay the command-line flags, then validates everything at once.
    /// </summary>
    public static T Load<T>(string section, Action<T> applyFlags, IValidateOptions<T>? crossField = null)
        where T : class, new()
    {
        var loader = new OptionsLoader();
        var options = loader.Bind(section, applyFlags, crossField);
        loader.ThrowIfInvalid();
        return options;
    }

    /// <summary>Applies a flag's value only when the user gave it, so configuration below it is kept.</summary>
    public static void IfGiven<TValue>(this ParseResult parse, Option<TValue> option, Action<TValue> apply)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            apply(parse.GetValue(option)!);
        }
    }
}

/// <summary>
/// Binds several options sections from one configuration (appsettings.json, environment variables,
/// and optionally the original scripts' variable names), collecting every problem before anything starts.
/// </summary>
internal sealed partial class OptionsLoader
{
    private readonly IConfiguration _configuration;
    private readonly List<string> _problems = [];
    private readonly HashSet<string> _legacyKeys = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="legacyEnvironment">Environment variable names mapped to configuration keys (e.g. MIN_REPLICAS → Scaler:MinReplicas).</param>
    public OptionsLoader(IReadOnlyDictionary<string, string>? legacyEnvironment = null)
    {
        var legacy = new Dictionary<string, string?>();
        foreach (var (variable, key) in legacyEnvironment ?? new Dictionary<string, string>())
        {
            if (Environment.GetEnvironmentVariable(variable) is { } value)
            {
                legacy[key] = value;
                _legacyKeys.Add(key);
            }
        }

        _configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(legacy)
            .Build();
    }

    /// <summary>Binds from <paramref name="configuration"/> alone (a service file's settings), not appsettings.json or the environment.</summary>
    public OptionsLoader(IConfiguration configuration) => _configuration = configuration;

    /// <summary>The problems found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public T Bind<T>(string section, Action<T>? applyFlags = null, IValidateOptions<T>? crossField = null)
        where T : class, new()
    {
        var options = new T();
        try
        {
            _configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            var key = KeyInMessage().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : section;
            _problems.Add($"{key} = {OptionsCheck.Show(_configuration[key])}: {(e.InnerException ?? e).Message.TrimEnd('.')}");
            return options;
        }

        applyFlags?.Invoke(options);
        _problems.AddRange(OptionsCheck.Validate(options, section, crossField));
        return options;
    }

    /// <summary>True when configuration (appsettings.json or the environment) sets <paramref name="key"/>.</summary>
    public bool IsSet(string key) => _configuration[key] is not null;

    /// <summary>
    /// True when the environment (or the original scripts' variables) sets <paramref name="key"/>: those rank above a
    /// policy file, appsettings.json below it.
    /// </summary>
    public bool IsSetAbovePolicy(string key) =>
        _legacyKeys.Contains(key) || Environment.GetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal)) is not null;

    /// <summary>Adds a problem found outside binding (e.g. a flag that makes no sense with another).</summary>
    public void Problem(string problem) => _problems.Add(problem);

    public void ThrowIfInvalid()
    {
        if (_problems.Count > 0)
        {
            throw new UsageException("invalid configuration: " + string.Join("; ", _problems));
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("at '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex KeyInMessage();
}
