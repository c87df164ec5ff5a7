using CohortSync.Connectors.Iterable;

namespace CohortSync.Connectors.Tests.Iterable;

public sealed class IterableIdentifierRulesTests
{
    [Theory]
    [InlineData("user-1")]
    [InlineData("a")]
    [InlineData("with a space inside")]
    [InlineData("~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./")]
    [InlineData("1234567890123456789012345678901234567890123456789012")]
    public void CheckUserId_PrintableAsciiUpTo52Characters_IsAccepted(string userId)
    {
        // Act
        var reason = IterableIdentifierRules.CheckUserId(userId);

        // Assert
        Assert.Null(reason);
    }

    [Theory]
    [InlineData(null, IterableIdentifierRules.EmptyUserId)]
    [InlineData("", IterableIdentifierRules.EmptyUserId)]
    [InlineData("12345678901234567890123456789012345678901234567890123", IterableIdentifierRules.LongUserId)]
    [InlineData("tab\there", IterableIdentifierRules.NonPrintableUserId)]
    [InlineData("line\nbreak", IterableIdentifierRules.NonPrintableUserId)]
    [InlineData("del\u007f", IterableIdentifierRules.NonPrintableUserId)]
    [InlineData("café", IterableIdentifierRules.NonPrintableUserId)]
    [InlineData("trailing ", IterableIdentifierRules.TrailingSpaceUserId)]
    [InlineData(" ", IterableIdentifierRules.TrailingSpaceUserId)]
    public void CheckUserId_BrokenRule_NamesTheRuleNotTheValue(string? userId, string expected)
    {
        // Act
        var reason = IterableIdentifierRules.CheckUserId(userId);

        // Assert
        Assert.Equal(expected, reason);
        if (!string.IsNullOrWhiteSpace(userId))
        {
            Assert.DoesNotContain(userId.Trim(), reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("user@example.com")]
    [InlineData("first.last@sub.example.co.uk")]
    [InlineData("user+tag@example.io")]
    [InlineData("o'brien@example.ie")]
    [InlineData("\"quoted user\"@example.com")]
    [InlineData("a\\@b@example.com")]
    [InlineData("user@example.museum")]
    [InlineData("user@example.notonianaslist")]
    [InlineData("user@bücher.de")]
    [InlineData("user@example.xn--p1ai")]
    [InlineData("user@[192.168.0.1]")]
    [InlineData("user@[2001:db8::1]")]
    [InlineData("üser@example.com")]
    public void IsValidEmail_AddressCommonsAccepts_IsAccepted(string email)
    {
        // Act
        var valid = IterableIdentifierRules.IsValidEmail(email);

        // Assert
        Assert.True(valid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plainaddress")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("user@localhost")]
    [InlineData("user@example.com.")]
    [InlineData("user.@example.com")]
    [InlineData(".user@example.com")]
    [InlineData("us..er@example.com")]
    [InlineData("user name@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user@-example.com")]
    [InlineData("user@example-.com")]
    [InlineData("user@example..com")]
    [InlineData("user@example_domain.com")]
    [InlineData("user@example.c")]
    [InlineData("user@example.123")]
    [InlineData("user@example.c0m")]
    [InlineData("a(b)@example.com")]
    [InlineData("a,b@example.com")]
    [InlineData("user@[300.1.1.1]")]
    [InlineData("user@[01.1.1.1]")]
    [InlineData("user@[not-an-ip]")]
    [InlineData("ctl\u0001@example.com")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345@example.com")]
    public void IsValidEmail_AddressCommonsRefuses_IsRefused(string email)
    {
        // Act
        var reason = IterableIdentifierRules.CheckEmail(email);

        // Assert
        Assert.Equal(IterableIdentifierRules.InvalidEmail, reason);
    }

    [Theory]
    [InlineData(57, true)] // a domain of 253 characters: the limit
    [InlineData(58, false)] // 254
    public void IsValidEmail_DomainLength_AcceptsUpTo253Characters(int lastLabel, bool expected)
    {
        // Arrange: three labels of 63, one of lastLabel and ".com": 196 + lastLabel characters.
        var domain = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', lastLabel) + ".com";

        // Act
        var valid = IterableIdentifierRules.IsValidEmail("user@" + domain);

        // Assert
        Assert.Equal(expected, valid);
    }

    [Fact]
    public void IsValidEmail_LocalPartOfExactly64Characters_IsAccepted()
    {
        // Act
        var valid = IterableIdentifierRules.IsValidEmail(new string('a', 64) + "@example.com");

        // Assert
        Assert.True(valid);
    }
}
