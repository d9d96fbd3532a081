using Autoscaler.Gateway.Destinations;

namespace Autoscaler.Gateway.Tests.Destinations;

public sealed class DestinationsFileTests
{
    [Fact]
    public void An_array_of_urls_gives_those_urls_normalized()
    {
        var result = DestinationsFile.Parse("""["http://127.0.0.1:8001", "http://localhost:8002/", "https://replica.example:443/api"]""");

        Assert.Equal(["http://127.0.0.1:8001/", "http://localhost:8002/", "https://replica.example/api"], result.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void File_sd_target_groups_give_http_urls_of_every_target()
    {
        var result = DestinationsFile.Parse("""
            [
              {"targets": ["127.0.0.1:8001", "127.0.0.1:8002"], "labels": {"job": "webapp"}},
              {"targets": ["[::1]:8003"]},
              {"targets": ["secure.example:8443"], "labels": {"__scheme__": "https"}}
            ]
            """);

        Assert.Equal(
            ["http://127.0.0.1:8001/", "http://127.0.0.1:8002/", "http://[::1]:8003/", "https://secure.example:8443/"],
            result.Select(u => u.AbsoluteUri));
    }

    [Fact]
    public void An_empty_array_means_no_destinations_and_duplicates_count_once()
    {
        Assert.Empty(DestinationsFile.Parse("[]"));
        Assert.Single(DestinationsFile.Parse("""["http://127.0.0.1:8001", {"targets":["127.0.0.1:8001"]}]"""));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("[\"http://127.0.0.1:8001\"", "not valid JSON")]
    [InlineData("{\"targets\":[\"127.0.0.1:8001\"]}", "expected a JSON array")]
    [InlineData("[8001]", "element 0 is a number")]
    [InlineData("[\"http://ok:1\", \"127.0.0.1:8001\"]", "element 1: '127.0.0.1:8001' is not an absolute http:// or https:// URL")]
    [InlineData("[\"ftp://127.0.0.1:21\"]", "not an absolute http:// or https:// URL")]
    [InlineData("[{\"labels\":{}}]", "element 0 has no \"targets\" array")]
    [InlineData("[{\"targets\":[\"http://127.0.0.1:8001\"]}]", "element 0, target 0: 'http://127.0.0.1:8001' has a scheme")]
    [InlineData("[{\"targets\":[42]}]", "element 0, target 0 is a number")]
    [InlineData("[{\"targets\":[\"a:1\"],\"labels\":[]}]", "\"labels\" is an array")]
    public void An_invalid_file_is_rejected_with_a_message_that_says_what_is_wrong(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => DestinationsFile.Parse(json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_says_it_does_not_exist()
    {
        var e = Assert.Throws<InvalidDataException>(() => DestinationsFile.Read(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.json")));

        Assert.Equal("the file does not exist", e.Message);
    }
}
