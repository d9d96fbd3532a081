using System.CommandLine;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler validate POLICY</c>: checks a policy file and prints the effective policy.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("policy") { Description = "The policy file (YAML) to check" };
        var command = new Command("validate", """
            Check a policy file and print the effective policy, every default filled in (for example the
            behavior: none for a policy made only of threshold rules, Kubernetes HPA's defaults otherwise).
            Every problem is printed with its line and field; exit code 2 when there is any.
            """)
        {
            file,
        };
        command.SetAction(parse =>
        {
            try
            {
                Console.Out.Write(PolicyFile.Write(PolicyFile.Load(parse.GetValue(file)!)));
                return ExitCodes.Ok;
            }
            catch (PolicyFileException e)
            {
                foreach (var problem in e.Problems)
                {
                    Console.Error.WriteLine(problem);
                }

                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
