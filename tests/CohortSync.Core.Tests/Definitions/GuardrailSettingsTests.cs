using CohortSync.Core.Definitions;

namespace CohortSync.Core.Tests.Definitions;

public sealed class GuardrailSettingsTests
{
    [Theory]
    [InlineData(999, 999, false)]
    [InlineData(999, 500, false)]
    [InlineData(1000, 200, false)]
    [InlineData(1000, 201, true)]
    [InlineData(1000, 1000, true)]
    [InlineData(1000, 0, false)]
    [InlineData(1005, 201, false)]
    [InlineData(1005, 202, true)]
    [InlineData(50_000, 10_000, false)]
    [InlineData(50_000, 10_001, true)]
    [InlineData(0, 0, false)]
    public void Holds_DefaultSettings_HoldsOnlyWhenRemovalsExceedTwentyPercentOfAThousandOrMore(int baseline, int removals, bool expected)
    {
        // Arrange
        var guardrail = GuardrailSettings.Default;

        // Act
        var holds = guardrail.Holds(baseline, removals);

        // Assert
        Assert.Equal(expected, holds);
    }

    [Fact]
    public void Holds_Disabled_NeverHolds()
    {
        // Arrange
        var guardrail = GuardrailSettings.Default with { Enabled = false };

        // Act
        var holds = guardrail.Holds(100_000, 100_000);

        // Assert
        Assert.False(holds);
    }

    [Theory]
    [InlineData(9, 2, false)]
    [InlineData(10, 2, false)]
    [InlineData(10, 3, true)]
    public void Holds_CustomMinimumBaseline_AppliesFromThatBaseline(int baseline, int removals, bool expected)
    {
        // Arrange
        var guardrail = new GuardrailSettings(MinBaseline: 10);

        // Act
        var holds = guardrail.Holds(baseline, removals);

        // Assert
        Assert.Equal(expected, holds);
    }

    [Fact]
    public void Holds_ZeroFraction_AnyRemovalHolds()
    {
        // Arrange
        var guardrail = new GuardrailSettings(MaxRemovalFraction: 0);

        // Act
        var none = guardrail.Holds(1000, 0);
        var one = guardrail.Holds(1000, 1);

        // Assert
        Assert.False(none);
        Assert.True(one);
    }

    [Theory]
    [InlineData(0.29, 1500, 435)]
    [InlineData(0.57, 1200, 684)]
    [InlineData(0.7, 1290, 903)]
    [InlineData(0.1, 1000, 100)]
    [InlineData(0.3, 2000, 600)]
    public void Holds_RemovalsExactlyAtACustomFraction_DoesNotHold(double fraction, int baseline, int removals)
    {
        // Arrange: removals are exactly fraction x baseline, which is allowed ("exceed" holds, "reach" does not).
        var guardrail = new GuardrailSettings(MaxRemovalFraction: fraction);

        // Act
        var atLimit = guardrail.Holds(baseline, removals);
        var overLimit = guardrail.Holds(baseline, removals + 1);

        // Assert
        Assert.False(atLimit);
        Assert.True(overLimit);
    }
}
