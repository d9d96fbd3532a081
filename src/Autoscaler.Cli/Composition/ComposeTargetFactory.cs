using System.CommandLine;
using Autoscaler.Core.Scaling;
using Autoscaler.Targets.Compose;
using Microsoft.Extensions.Logging;

namespace Autoscaler.Cli.Composition;

/// <summary>The flags of <c>autoscaler scaler --target compose</c>, and the target they build.</summary>
internal sealed class ComposeTargetFactory
{
    private readonly Option<string[]> _files = new("--compose-file")
    {
        Description = "With --target compose: a Compose file (-f), repeatable [default: Compose's own: COMPOSE_FILE, or compose.yaml in the working directory]",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _project = new("--compose-project") { Description = "With --target compose: the project name (-p) [default: COMPOSE_PROJECT_NAME, or the directory's name]" };
    private readonly Option<string?> _service = new("--compose-service") { Description = "With --target compose: the service to scale [default: webapp]" };
    private readonly Option<string?> _command = new("--compose-command") { Description = "With --target compose: the Compose command, split at spaces, e.g. docker-compose [default: docker compose]" };

    public IEnumerable<Option> All => [_files, _project, _service, _command];

    /// <summary>Binds and validates the Compose options when <paramref name="target"/> is <see cref="TargetFlag.Compose"/>; otherwise refuses any Compose flag.</summary>
    public ComposeTargetOptions? Bind(ParseResult parse, OptionsLoader loader, string target)
    {
        if (!TargetFlag.Selected(parse, loader, All, TargetFlag.Compose, target))
        {
            return null;
        }

        return loader.Bind<ComposeTargetOptions>(ComposeTargetOptions.Section, o =>
        {
            parse.IfGiven(_files, v => o.Files.AddRange(v));
            parse.IfGiven(_project, v => o.ProjectName = v);
            parse.IfGiven(_service, v => o.Service = v!);
            parse.IfGiven(_command, v => o.Command = v!);
        }, new ComposeTargetOptionsValidator());
    }

    public static IScaleTarget Create(ComposeTargetOptions options, ILoggerFactory loggers) =>
        new ComposeTarget(options, TimeProvider.System, loggers.CreateLogger<ComposeTarget>());
}
