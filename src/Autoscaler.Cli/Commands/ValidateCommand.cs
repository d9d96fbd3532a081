using System.CommandLine;
using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Cli.Commands;

/// <summary><c>autoscaler validate POLICY</c> and <c>autoscaler export hpa|keda POLICY</c>.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("policy") { Description = "The policy: our YAML, a HorizontalPodAutoscaler (autoscaling/v2) or a KEDA ScaledObject" };
        var queries = QueriesOption();
        var command = new Command("validate", """
            Check a policy file and print the effective policy in our format, every default filled in (for
            example the behavior: none for a policy made only of threshold rules, Kubernetes HPA's defaults
            otherwise). Every problem is printed with its line and field; exit code 2 when there is any.
            """)
        {
            file, queries,
        };
        command.SetAction(parse => Run(() => PolicyFile.Write(Load(parse.GetValue(file)!, parse.GetValue(queries)))));
        return command;
    }

    public static Command CreateExport()
    {
        var format = new Argument<string>("format") { Description = "hpa (a HorizontalPodAutoscaler, queries as annotations) or keda (a ScaledObject with prometheus triggers)" };
        format.AcceptOnlyFromAmong("hpa", "keda");
        var file = new Argument<string>("policy") { Description = "The policy to export (any format validate reads)" };
        var queries = QueriesOption();
        var name = new Option<string>("--name") { Description = "Name of the object and of the Deployment it scales", DefaultValueFactory = _ => "webapp" };
        var prometheus = new Option<string>("--prometheus-url") { Description = "KEDA: the serverAddress of the triggers", DefaultValueFactory = _ => "http://prometheus:9090" };
        var command = new Command("export", """
            Write a policy as a Kubernetes HorizontalPodAutoscaler or a KEDA ScaledObject on stdout.
            Only target rules have an equivalent there; a threshold or fixed rule is refused with exit code 2.
            What the format cannot express (cooldowns; for a HPA also fallbacks, ignoreNullValues, activation)
            is named on stderr as a warning; the YAML is still written.
            """)
        {
            format, file, queries, name, prometheus,
        };
        command.SetAction(parse => Run(() =>
        {
            var spec = Load(parse.GetValue(file)!, parse.GetValue(queries));
            foreach (var lost in KubernetesFormats.Unexpressed(spec, parse.GetValue(format)!))
            {
                Console.Error.WriteLine($"warning: not exported: {lost}");
            }

            return parse.GetValue(format) == "hpa"
                ? KubernetesFormats.WriteHpa(spec, parse.GetValue(name)!)
                : KubernetesFormats.WriteKeda(spec, parse.GetValue(prometheus)!, parse.GetValue(name)!);
        }));
        return command;
    }

    private static Option<string?> QueriesOption() => new("--queries")
    {
        Description = "For a HorizontalPodAutoscaler: a YAML mapping of metric name to PromQL, where the autoscaler.dev/query.NAME annotation is missing",
    };

    private static PolicySpec Load(string file, string? queries) =>
        KubernetesFormats.Load(file, queries is null ? null : KubernetesFormats.LoadQueries(queries));

    private static int Run(Func<string> produce)
    {
        try
        {
            Console.Out.Write(produce());
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
    }
}
