using Autoscaler.Core.Options;

namespace Autoscaler.Gateway.Tests.Admission;

public sealed class HoldOptionsTests
{
    [Fact]
    public void The_hold_is_on_by_default_with_bounds()
    {
        var options = new GatewayOptions();

        Assert.Equal(1000, options.HoldLimit);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HoldTimeout);
        Assert.Empty(OptionsCheck.Validate(options, GatewayOptions.Section, new GatewayOptionsValidator()));
    }

    [Fact]
    public void A_negative_or_huge_limit_and_a_zero_or_too_long_wait_are_refused_naming_the_key()
    {
        var problems = OptionsCheck.Validate(
            new GatewayOptions { HoldLimit = -1, HoldTimeout = TimeSpan.Zero },
            GatewayOptions.Section,
            new GatewayOptionsValidator());
        var more = OptionsCheck.Validate(
            new GatewayOptions { HoldLimit = 100_001, HoldTimeout = TimeSpan.FromMinutes(6) },
            GatewayOptions.Section,
            new GatewayOptionsValidator());

        Assert.Contains(problems, p => p.Contains("Gateway:HoldLimit", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Gateway:HoldTimeout", StringComparison.Ordinal));
        Assert.Contains(more, p => p.Contains("Gateway:HoldLimit", StringComparison.Ordinal));
        Assert.Contains(more, p => p.Contains("Gateway:HoldTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void A_limit_of_zero_turns_the_hold_off_and_is_valid()
    {
        Assert.Empty(OptionsCheck.Validate(new GatewayOptions { HoldLimit = 0 }, GatewayOptions.Section, new GatewayOptionsValidator()));
    }
}
