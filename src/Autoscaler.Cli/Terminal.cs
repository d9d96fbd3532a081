using Spectre.Console;

namespace Autoscaler.Cli;

/// <summary>
/// Spectre.Console consoles for the verbs' output: colours, tables with borders and redrawing on a terminal; plain
/// text a script can read when the output is redirected (no escape codes, tables as whitespace-separated columns).
/// </summary>
internal static class Terminal
{
    /// <summary>Width of plain output: wide enough that no table is wrapped to a fixed 80 columns.</summary>
    public const int PlainWidth = 400;

    /// <summary>A console on <paramref name="writer"/>; <paramref name="interactive"/> when it is a terminal.</summary>
    public static IAnsiConsole For(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            console.Profile.Width = PlainWidth;
        }

        return console;
    }

    /// <summary>Renders <paramref name="renderable"/> as plain text <paramref name="width"/> columns wide, each line without trailing spaces.</summary>
    public static string Plain(Spectre.Console.Rendering.IRenderable renderable, int width = PlainWidth)
    {
        var text = new StringWriter();
        var console = For(text, interactive: false);
        console.Profile.Width = width;
        console.Write(renderable);
        return string.Join('\n', text.ToString().Split('\n').Select(l => l.TrimEnd()));
    }
}
