using System.Globalization;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>One problem (or warning) in a policy file: where it is and what is wrong.</summary>
/// <param name="Source">The file, or <c>stdin</c>.</param>
/// <param name="Line">1-based line; 0 when the problem is about the whole file.</param>
/// <param name="Field">The field's path in the file, e.g. <c>spec.triggers[0].metadata.threshold</c>; empty for the whole file.</param>
/// <param name="Message">What is wrong and, where it helps, what to do.</param>
/// <param name="Column">1-based column, when the problem is at a known place inside a value (a PromQL query).</param>
public sealed record PolicyProblem(string Source, int Line, string Field, string Message, int? Column = null)
{
    /// <summary>What is wrong, on one line: a message quotes what the user wrote, which may hold line breaks.</summary>
    public string Message { get; init; } = OneLine(Message);

    /// <summary>
    /// <paramref name="message"/> with each line break shown as <c>\n</c> (and <c>\r</c>), so that a problem stays one line
    /// of stderr, as scripts reading it line by line expect.
    /// </summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>The one-line form users and scripts know: <c>file:line: field: message</c> (<c>file:line:col:</c> with a column).</summary>
    public override string ToString()
    {
        if (Source.Length == 0 && Line <= 0)
        {
            return Field.Length == 0 ? Message : $"{Field}: {Message}";
        }

        var at = Line <= 0 ? Source
            : Column is { } c ? string.Create(CultureInfo.InvariantCulture, $"{Source}:{Line}:{c}")
            : string.Create(CultureInfo.InvariantCulture, $"{Source}:{Line}");
        return Field.Length == 0 ? $"{at}: {Message}" : $"{at}: {Field}: {Message}";
    }
}

/// <summary>A policy file that cannot be used; every problem is listed, sorted by line.</summary>
public sealed class PolicyFileException : Exception
{
    /// <summary>Creates the exception from structured problems.</summary>
    public PolicyFileException(IReadOnlyList<PolicyProblem> details)
        : base(string.Join("; ", details))
    {
        Details = details;
        Problems = [.. details.Select(d => d.ToString())];
    }

    /// <summary>Creates the exception for a problem with the whole file (it cannot be read, it holds no policy).</summary>
    public PolicyFileException(string source, string message)
        : this([new PolicyProblem(source, 0, "", message)])
    {
    }

    /// <summary>One line per problem: <c>file:line: field: what is wrong</c>.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The same problems with their line, field and message apart.</summary>
    public IReadOnlyList<PolicyProblem> Details { get; }
}
