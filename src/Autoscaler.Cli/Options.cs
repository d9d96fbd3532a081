using System.CommandLine;
using Autoscaler.Core.Options;
using Autoscaler.Core.Time;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Autoscaler.Cli;

/// <summary>Helpers shared by the verbs for flags and configuration.</summary>
internal static class VerbOptions
{
    /// <summary>A flag that takes a duration such as 500ms, 30s or 2m.</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var value) && value >= TimeSpan.Zero)
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration; use e.g. 500ms, 30s, 2m or a number of seconds");
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
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"invalid configuration: {e.Message}");
        }

        applyFlags(options);
        var problems = OptionsCheck.Validate(options, section, crossField);
        if (problems.Count > 0)
        {
            throw new UsageException("invalid configuration: " + string.Join("; ", problems));
        }

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
