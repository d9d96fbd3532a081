using Autoscaler.Scaler;
using Autoscaler.Testing;

namespace Autoscaler.Cli.Tests.Composition;

/// <summary><c>--reports DIR</c>, the console's reports folder, on <c>scaler</c> and <c>up</c>.</summary>
public sealed class ReportsFlagTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ScalerOptions Bind(params string[] args) => ScalerFlagsParser.Bind(args).Scaler;

    [Fact]
    public void Without_the_flag_the_scaler_keeps_no_reports_folder() => Assert.Null(Bind().ReportsDirectory);

    [Fact]
    public void The_flag_names_the_folder_which_need_not_exist_yet()
    {
        var folder = _dir.File("reports");

        Assert.Equal(folder, Bind("--reports", folder).ReportsDirectory);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void A_file_in_its_place_is_bad_input_naming_it()
    {
        var file = _dir.File("reports.txt");
        File.WriteAllText(file, "not a folder");

        var e = Assert.Throws<UsageException>(() => Bind("--reports", file));

        Assert.Contains($"--reports {file}: is a file; give a folder", e.Message, StringComparison.Ordinal);
    }
}
