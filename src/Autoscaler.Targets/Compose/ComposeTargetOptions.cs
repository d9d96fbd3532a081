using System.ComponentModel.DataAnnotations;
using Autoscaler.Core.Processes;
using Microsoft.Extensions.Options;

namespace Autoscaler.Targets.Compose;

/// <summary>How the Compose target reads the replica count.</summary>
public enum ComposePsFormat
{
    /// <summary>Ask <c>version --short</c> once: <see cref="Json"/> for Compose v2 and later, <see cref="Ids"/> for docker-compose 1.x.</summary>
    Auto,

    /// <summary><c>ps --format json SERVICE</c>, counting containers whose state is <c>running</c> (Compose v2).</summary>
    Json,

    /// <summary><c>ps -q SERVICE</c>, counting the container ids (docker-compose 1.x, which has no JSON output; it lists stopped containers too).</summary>
    Ids,
}

/// <summary>Options of the Compose target: which command, which project, which service.</summary>
public sealed class ComposeTargetOptions
{
    /// <summary>Configuration section (environment: <c>ComposeTarget__Service=webapp</c>).</summary>
    public const string Section = "ComposeTarget";

    /// <summary>The Compose command, split at spaces: <c>docker compose</c> (v2 plugin) or <c>docker-compose</c>.</summary>
    [Required]
    [MinLength(1)]
    public string Command { get; set; } = "docker compose";

    /// <summary>Compose files (<c>-f</c>, in order); none means Compose's own default (<c>COMPOSE_FILE</c>, or <c>compose.yaml</c>/<c>docker-compose.yml</c> in the working directory).</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>Project name (<c>-p</c>); unset means Compose's default (<c>COMPOSE_PROJECT_NAME</c>, or the project directory's name).</summary>
    public string? ProjectName { get; set; }

    /// <summary>Project directory (<c>--project-directory</c>); unset means the first file's directory.</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>The service whose container count is scaled.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", ErrorMessage = "must be a Compose service name (letters, digits, '_', '.', '-')")]
    public string Service { get; set; } = "webapp";

    /// <summary>How long <c>up --scale</c> may take (image pulls, container starts) before it is stopped and the action counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ScaleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long <c>ps</c> and <c>version</c> may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How the count is read; <see cref="ComposePsFormat.Auto"/> asks the command which version it is.</summary>
    public ComposePsFormat PsFormat { get; set; } = ComposePsFormat.Auto;

    /// <summary>The command as tokens: <c>["docker", "compose"]</c>.</summary>
    public IReadOnlyList<string> CommandTokens => Command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks what a start would otherwise find out late: the command is installed, the files and directory exist.</summary>
public sealed class ComposeTargetOptionsValidator : IValidateOptions<ComposeTargetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ComposeTargetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = name ?? ComposeTargetOptions.Section;
        var problems = new List<string>();
        var tokens = options.CommandTokens;
        if (tokens.Count > 0 && Executables.Find(tokens[0]) is null)
        {
            problems.Add($"{section}:Command = {options.Command}: '{tokens[0]}' is not installed (not found on PATH); "
                + "install Docker with the Compose plugin, or name another command, e.g. docker-compose");
        }

        foreach (var file in options.Files)
        {
            if (!File.Exists(file))
            {
                problems.Add($"{section}:Files = {file}: file not found");
            }
        }

        if (options.ProjectDirectory is { } directory && !Directory.Exists(directory))
        {
            problems.Add($"{section}:ProjectDirectory = {directory}: directory not found");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
