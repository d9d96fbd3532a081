using System.Globalization;
using Autoscaler.Core.PolicyFiles;
using Autoscaler.Core.Time;
using YamlDotNet.RepresentationModel;

namespace Autoscaler.Simulation.Runner;

/// <summary>What each policy of a run ran with, as <see cref="Results.PolicyRun.Parameters"/> states it.</summary>
internal static class EffectiveParameters
{
    /// <summary>
    /// <paramref name="spec"/> in the policy-file format with every default filled in, the check interval included:
    /// the simulator, as the scaler, evaluates every <paramref name="checkInterval"/> when the file does not say.
    /// </summary>
    public static string Of(PolicySpec spec, TimeSpan checkInterval)
    {
        var yaml = PolicyFile.Write(spec);
        if (spec.CheckInterval is not null)
        {
            return yaml;
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var written = (YamlMappingNode)stream.Documents[0].RootNode;
        var root = new YamlMappingNode();
        foreach (var (key, value) in written.Children)
        {
            root.Add(key, value);
            if (key is YamlScalarNode { Value: "maxReplicas" })
            {
                root.Add("checkInterval", Durations.Format(checkInterval));
            }
        }

        var text = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        return text.ToString().Replace("...\n", "", StringComparison.Ordinal).TrimEnd() + "\n";
    }

    /// <summary>
    /// How the oracle sizes: the most requests per second a replica takes while keeping the SLO, the most replicas it
    /// runs (the scenario's replicas.max), and how far ahead it starts replicas.
    /// </summary>
    public static string Oracle(double requestsPerReplica, double capacityPerReplica, TimeSpan lookahead, TimeSpan step, int maxReplicas) => string.Create(CultureInfo.InvariantCulture, $"""
        rule: oracle
        requestsPerReplica: {requestsPerReplica:0.####}
        utilization: {requestsPerReplica / capacityPerReplica:0.####}
        maxReplicas: {maxReplicas}
        lookahead: {Durations.Format(lookahead)}
        checkInterval: {Durations.Format(step)}

        """);
}
