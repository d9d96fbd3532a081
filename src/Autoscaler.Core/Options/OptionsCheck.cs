using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Autoscaler.Core.Options;

/// <summary>
/// Validates an options object completely before anything is started, so that every problem
/// is reported at once, each naming the key, the value and the rule.
/// </summary>
public static partial class OptionsCheck
{
    /// <summary>Returns one line per problem: <c>Section:Key = value: rule</c>. Empty when valid.</summary>
    public static IReadOnlyList<string> Validate<T>(T options, string section, IValidateOptions<T>? crossField = null)
        where T : class
    {
        var problems = new List<string>();
        ValidateObject(options, section, problems);
        if (crossField is not null)
        {
            var result = crossField.Validate(section, options);
            if (result.Failed)
            {
                problems.AddRange(result.Failures ?? []);
            }
        }

        return problems;
    }

    private static void ValidateObject(object instance, string path, List<string> problems)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = property.GetValue(instance);
            var key = $"{path}:{property.Name}";
            var context = new ValidationContext(instance) { MemberName = property.Name, DisplayName = property.Name };
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateProperty(value, context, results))
            {
                problems.AddRange(results.Select(r => $"{key} = {Show(value)}: {r.ErrorMessage}"));
            }

            if (value is not null and not string and not IEnumerable && property.PropertyType.IsClass
                && property.PropertyType.Namespace?.StartsWith("Autoscaler", StringComparison.Ordinal) == true)
            {
                ValidateObject(value, key, problems);
            }
        }
    }

    /// <summary>
    /// Renders rules that compare fields (<c>(field, problem)</c>, a <c>{Field}</c> in a problem naming another field)
    /// as configuration keys: <c>Section:MinReplicas = 5 must not exceed Section:MaxReplicas 2</c>.
    /// </summary>
    public static ValidateOptionsResult Result(string? section, IReadOnlyList<(string Field, string Problem)> problems)
    {
        var prefix = string.IsNullOrEmpty(section) ? "" : section + ":";
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{prefix}{p.Field} = {OtherField().Replace(p.Problem, m => prefix + m.Groups[1].Value)}"));
    }

    /// <summary>A <c>{Field}</c> in a problem: another field of the same options, named the way the reader calls it.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\{([A-Z][A-Za-z]*)\}")]
    public static partial System.Text.RegularExpressions.Regex OtherField();

    /// <summary>
    /// The single-field rules (DataAnnotations such as <c>[Range]</c>) that <paramref name="instance"/>'s own properties
    /// break, as (property, problem) with the value in the problem: <c>0 must be between 1 and 10000</c>.
    /// </summary>
    public static IReadOnlyList<(string Field, string Problem)> Ranges(object instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var problems = new List<(string, string)>();
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = property.GetValue(instance);
            foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (value is null || rule.IsValid(value))
                {
                    continue;
                }

                var phrase = rule.ErrorMessage is { Length: > 0 } custom ? custom
                    : rule is RangeAttribute r ? Between(r)
                    : rule.FormatErrorMessage(property.Name);
                problems.Add((property.Name, $"{Show(value)} {phrase}"));
            }
        }

        return problems;
    }

    private static string Between(RangeAttribute r)
    {
        string Bound(object b) => b is string s && r.OperandType == typeof(TimeSpan) && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t) ? Show(t) : Show(b);
        return r.Maximum is double.MaxValue or int.MaxValue ? $"must be at least {Bound(r.Minimum)}" : $"must be between {Bound(r.Minimum)} and {Bound(r.Maximum)}";
    }

    /// <summary>Shows a value the way a user would have typed it.</summary>
    public static string Show(object? value) => value switch
    {
        null => "(empty)",
        string s => s.Length == 0 ? "(empty)" : s,
        TimeSpan t => Time.Durations.Format(t),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
