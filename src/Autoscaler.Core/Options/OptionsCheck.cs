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
public static class OptionsCheck
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
