using Autoscaler.Core.PolicyFiles;
using Files = Autoscaler.Core.PolicyFiles.PolicyFiles;

namespace Autoscaler.Core.Tests.PolicyFiles;

public sealed class PolicyFilesTests
{
    private const string Native = """
        minReplicas: 2
        metrics:
          - name: rps
            query: sum(rate(webapp_request_count_total[1m]))
            target: {value: 30, type: AverageValue}
        """;

    [Fact]
    public void Each_document_of_a_multi_document_file_is_one_policy()
    {
        var documents = Files.ParseAll($"{Native}\n---\n{KedaFormatTests.Keda}\n---\n", "all.yaml");

        Assert.Equal([("policy", 1, 1), ("ScaledObject", 2, 7)], documents.Select(d => (d.Kind, d.Index, d.Line)));
        Assert.All(documents, d => Assert.True(d.Ok));
        Assert.Equal((2, 1), (documents[0].Spec!.MinReplicas, documents[1].Spec!.MinReplicas));
    }

    [Fact]
    public void Where_one_policy_is_needed_a_multi_document_file_is_refused_naming_its_documents()
    {
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse($"{Native}\n---\n{KedaFormatTests.Keda}", "all.yaml"));
        Assert.Equal(
            "all.yaml: holds 2 policies (document 1 (policy, line 1); document 2 (ScaledObject webapp, line 7)); one is needed here: put each in a file of its own (`autoscaler validate` checks them all)",
            Assert.Single(error.Problems));
    }

    [Fact]
    public void A_document_that_is_not_a_policy_is_an_error_naming_it()
    {
        var documents = Files.ParseAll($"{Native}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: webapp}}\n", "all.yaml");
        Assert.True(documents[0].Ok);
        Assert.Equal("all.yaml:8: kind: 'Deployment' is not HorizontalPodAutoscaler or ScaledObject (nor our policy, which has no kind): document 2 is not a policy", Assert.Single(documents[1].Problems).ToString());
    }

    [Fact]
    public void A_kubectl_list_gives_one_policy_per_item()
    {
        var items = string.Join("\n", new[] { HpaFormatTests.LiveHpa, KedaFormatTests.LiveKeda }
            .Select(o => "- " + o.Replace("\n", "\n  ", StringComparison.Ordinal)));
        var list = $"apiVersion: v1\nitems:\n{items}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

        var documents = Files.ParseAll(list, "list.yaml");

        Assert.Equal([("HorizontalPodAutoscaler", "shop"), ("ScaledObject", "shop")], documents.Select(d => (d.Kind, d.Name!)));
        Assert.All(documents, d => Assert.True(d.Ok, string.Join("\n", d.Problems)));
    }

    [Fact]
    public void A_dash_reads_standard_input_and_names_it_stdin()
    {
        var spec = Files.Load("-", new PolicyReadOptions { StandardInput = new StringReader(Native) }).Spec!;
        Assert.Equal(2, spec.MinReplicas);

        var error = Assert.Throws<PolicyFileException>(() => Files.Load("-", new PolicyReadOptions { StandardInput = new StringReader("minReplicas: lots\nmetrics: []") }));
        Assert.Equal(["stdin:1: minReplicas: 'lots' is not a whole number", "stdin:2: metrics: needs at least one metric"], error.Problems);
    }

    [Fact]
    public void Problems_of_reading_and_of_the_rules_come_together_sorted_by_line()
    {
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse("""
            minReplicas: 7
            maxReplicas: 3
            metrics:
              - name: a
                query: rat(x[1m])
                target: {value: 0, type: Sometimes}
              - name: a
                fixed: 2
            behavior:
              scaleUp: {stabilizationWindowSeconds: 7200}
            """, "p.yaml"));
        Assert.Equal(
            [
                "p.yaml:1: minReplicas: 7 must not exceed maxReplicas 3",
                "p.yaml:5:12: metrics[0].query: unknown function 'rat' (did you mean rate?)",
                "p.yaml:6: metrics[0].target.type: 'Sometimes' is not one of Value, AverageValue",
                "p.yaml:6: metrics[0].target.value: 0 must be above 0",
                "p.yaml:7: metrics[1].name: 'a' is used by another metric",
                "p.yaml:10: behavior.scaleUp.stabilizationWindowSeconds: 7200 must be between 0 and 3600",
            ],
            error.Problems);
    }

    [Fact]
    public void An_empty_file_holds_no_policy()
    {
        Assert.Empty(Files.ParseAll("# nothing yet\n", "empty.yaml"));
        var error = Assert.Throws<PolicyFileException>(() => Files.Parse("", "empty.yaml"));
        Assert.Equal("empty.yaml: holds no policy (the file is empty)", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_file_that_cannot_be_read_says_so()
    {
        var error = Assert.Throws<PolicyFileException>(() => Files.Load("/nonexistent/policy.yaml"));
        Assert.StartsWith("/nonexistent/policy.yaml: cannot read the policy file:", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("maxReplicas: 3", "p.yaml:1: metrics: is required")]
    [InlineData("metrics: []", "p.yaml:1: metrics: needs at least one metric")]
    [InlineData("kind: ScaledObject\nmetadata: {name: a}", "p.yaml:1: spec: is required")]
    [InlineData("kind: ScaledObject\nspec:\n  scaleTargetRef: {name: a}\n  triggers: []", "p.yaml:4: spec.triggers: needs at least one metric")]
    public void A_missing_or_empty_list_of_metrics_is_one_problem(string text, string expected) =>
        Assert.Equal(expected, Assert.Single(Assert.Throws<PolicyFileException>(() => Files.Parse(text, "p.yaml")).Problems));
}
