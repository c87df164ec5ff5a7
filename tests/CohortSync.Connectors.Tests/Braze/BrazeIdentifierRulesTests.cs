using CohortSync.Connectors.Braze;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeIdentifierRulesTests
{
    [Theory]
    [InlineData(KeyKind.UserId, "user-1", null)]
    [InlineData(KeyKind.DeviceId, "3f1c-device", null)]
    [InlineData(KeyKind.Alias, "someone@example.com", "amplitude")]
    [InlineData(KeyKind.UserId, "Zoë 😀 \"quoted\"", null)]
    public void Check_SendableKey_ReturnsNull(KeyKind kind, string value, string? label)
    {
        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(kind, value, label));

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Check_KindBrazeDoesNotTake_ReturnsUnsupportedKind()
    {
        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.ExternalId, "x-1"));

        // Assert
        Assert.Equal(BrazeIdentifierRules.UnsupportedKind, reason);
    }

    [Theory]
    [InlineData("someone@example.com", null)]
    [InlineData("no-at-sign", BrazeIdentifierRules.NotAnEmail)]
    [InlineData("two@@example.com", BrazeIdentifierRules.NotAnEmail)]
    [InlineData("space @example.com", BrazeIdentifierRules.NotAnEmail)]
    public void Check_Email_TakesAnAddressOnly(string email, string? expected)
    {
        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.Email, email));

        // Assert
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void Check_AliasWithoutLabel_ReturnsMissingAliasLabel(string? label)
    {
        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.Alias, "someone", label));

        // Assert
        Assert.Equal(BrazeIdentifierRules.MissingAliasLabel, reason);
    }

    [Fact]
    public void Check_IdentifierAtTheByteCap_IsAcceptedAndOneMoreIsRefused()
    {
        // Arrange
        var atCap = new string('a', BrazeIdentifierRules.MaxIdentifierBytes);
        var overCap = atCap + "a";

        // Act
        var accepted = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.UserId, atCap));
        var refused = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.UserId, overCap));

        // Assert
        Assert.Null(accepted);
        Assert.Equal(BrazeIdentifierRules.TooLong, refused);
    }

    [Fact]
    public void Check_CharactersThatAreEscapedOnTheWire_AreMeasuredEscaped()
    {
        // Arrange: 2,000 characters, but each quote is written as two bytes.
        var quotes = new string('"', 2_000);

        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.UserId, quotes));

        // Assert
        Assert.Equal(BrazeIdentifierRules.TooLong, reason);
    }

    [Fact]
    public void Check_AliasNameAndLabelTogetherOverTheCap_ReturnsTooLong()
    {
        // Arrange
        var half = new string('a', (BrazeIdentifierRules.MaxIdentifierBytes / 2) + 1);

        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.Alias, half, half));

        // Assert
        Assert.Equal(BrazeIdentifierRules.TooLong, reason);
    }

    [Fact]
    public void Check_LoneSurrogate_ReturnsNotUnicode()
    {
        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.UserId, "user-\ud800"));

        // Assert
        Assert.Equal(BrazeIdentifierRules.NotUnicode, reason);
    }

    [Fact]
    public void Check_AnyRefusal_NeverQuotesTheIdentifier()
    {
        // Arrange
        var value = "secret-user-" + new string('x', 5_000);

        // Act
        var reason = BrazeIdentifierRules.Check(new DestinationKey(KeyKind.UserId, value));

        // Assert
        Assert.Equal(BrazeIdentifierRules.TooLong, reason);
        Assert.DoesNotContain("secret-user", reason, StringComparison.Ordinal);
    }
}
