using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Core.PolicyFiles;

/// <summary>
/// The bounds every YAML file the tool reads is held to before it is parsed (policy files, query mappings, scenarios):
/// its size, read without ever holding more than the bound, and how deep it nests, checked on the parser's events so
/// that a file of a million brackets is refused instead of overflowing the stack of the tree it would build.
/// </summary>
public static class YamlText
{
    /// <summary>The largest file read: 1 MiB. A policy or scenario is a few kilobytes; a 50 MB one took 45 s and 4 GB.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The deepest nesting of mappings and lists; our formats need fewer than 10 levels, a KEDA List a dozen.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Reads <paramref name="path"/> (or <paramref name="standardInput"/> for <c>-</c>), refusing a file longer than
    /// <see cref="MaxBytes"/> after reading one byte past it: a pipe or a device that never ends is refused too.
    /// </summary>
    /// <param name="path">The file, or <c>-</c>.</param>
    /// <param name="standardInput">What <c>-</c> reads.</param>
    /// <param name="what">What the file is, for the message: "policy file", "scenario".</param>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="InvalidDataException">The file is larger than the bound; the message says so.</exception>
    public static string Read(string path, TextReader? standardInput, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == PolicyFiles.StandardInput)
        {
            var reader = standardInput ?? Console.In;
            var buffer = new char[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = reader.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            return length > MaxBytes ? throw TooLarge(what, null) : new string(buffer, 0, length);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var bytes = new byte[MaxBytes + 1];
        var total = 0;
        int count;
        while (total < bytes.Length && (count = stream.Read(bytes, total, bytes.Length - total)) > 0)
        {
            total += count;
        }

        if (total > MaxBytes)
        {
            throw TooLarge(what, stream.CanSeek ? stream.Length : null);
        }

        // As File.ReadAllText: a byte-order mark picks the encoding, UTF-8 otherwise.
        using var text = new StreamReader(new MemoryStream(bytes, 0, total), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return text.ReadToEnd();
    }

    /// <summary>
    /// Where <paramref name="text"/> first nests deeper than <see cref="MaxDepth"/> (1-based line), or null when it
    /// does not. A YAML syntax error before that point is thrown as the parser's <see cref="YamlException"/>.
    /// </summary>
    public static int? TooDeepAt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        var at = Mark.Empty;
        while (NextEvent(parser, at))
        {
            at = parser.Current!.End;
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        return (int)parser.Current.Start.Line;
                    }

                    break;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Loads <paramref name="text"/> into <paramref name="stream"/>; every error in the text is thrown as a
    /// <see cref="YamlException"/>, including those YamlDotNet throws under other types (see <see cref="Unreadable"/>).
    /// </summary>
    public static void Load(YamlStream stream, string text)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw Unreadable(Mark.Empty, e);
        }
    }

    private static bool NextEvent(Parser parser, Mark at)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw Unreadable(at, e);
        }
    }

    // YamlDotNet throws InvalidOperationException on some malformed plain scalars and ArgumentException on a tag that is
    // empty or not a URI or an event its tree does not represent (all found by ReaderFuzzTests): errors in the text like
    // any other, reported where the parser last was.
    private static YamlException Unreadable(Mark at, Exception e) => new(at, at, e is ArgumentException { Message: var m } && (m.StartsWith("Global tags", StringComparison.Ordinal) || m.StartsWith("Tag value", StringComparison.Ordinal))
        ? "a tag that is empty or not a URI follows here"
        : "a scalar, tag or anchor the YAML reader cannot read follows here");

    /// <summary>The problem of a file that nests too deep, for the line <see cref="TooDeepAt"/> found.</summary>
    public static string TooDeep => string.Create(CultureInfo.InvariantCulture,
        $"nests mappings and lists more than {MaxDepth} levels deep, the most the tool reads; a policy or scenario needs fewer than 10");

    private static InvalidDataException TooLarge(string what, long? size) => new(string.Create(CultureInfo.InvariantCulture,
        $"{(size is { } n ? $"is {n:N0} bytes, more than the" : "is more than the")} {MaxBytes:N0} bytes (1 MiB) a {what} may have; a {what} takes a few kilobytes: is this the right file?"));
}
