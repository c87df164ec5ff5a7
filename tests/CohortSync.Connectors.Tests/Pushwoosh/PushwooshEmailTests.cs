using CohortSync.Connectors.Pushwoosh;

namespace CohortSync.Connectors.Tests.Pushwoosh;

public sealed class PushwooshEmailTests
{
    [Theory]
    [InlineData("user@example.com")]
    [InlineData("first.last+tag@sub.example.co.uk")]
    [InlineData("o'brien_{x}~!#$%&*/=?^`|-@example.io")]
    [InlineData("a@b-c.de")]
    [InlineData("UPPER@EXAMPLE.COM")]
    public void Check_ValidAddress_ReturnsNull(string email)
    {
        // Act
        var reason = PushwooshEmail.Check(email);

        // Assert
        Assert.Null(reason);
    }

    [Theory]
    [InlineData("", "invalid email: empty")]
    [InlineData("plainaddress", "invalid email: needs exactly one '@'")]
    [InlineData("two@@example.com", "invalid email: needs exactly one '@'")]
    [InlineData("a@b@example.com", "invalid email: needs exactly one '@'")]
    [InlineData("has space@example.com", "invalid email: contains spaces or control characters")]
    [InlineData("tab\t@example.com", "invalid email: contains spaces or control characters")]
    [InlineData("jos\u00e9@example.com", "invalid email: non-ASCII characters (internationalised addresses are not accepted)")]
    [InlineData("@example.com", "invalid email: the part before '@' is empty or longer than 64 characters")]
    [InlineData(".lead@example.com", "invalid email: a dot before '@' is first, last or doubled")]
    [InlineData("trail.@example.com", "invalid email: a dot before '@' is first, last or doubled")]
    [InlineData("dou..ble@example.com", "invalid email: a dot before '@' is first, last or doubled")]
    [InlineData("\"quoted\"@example.com", "invalid email: a character before '@' is not allowed")]
    [InlineData("a(b)@example.com", "invalid email: a character before '@' is not allowed")]
    [InlineData("user@", "invalid email: the domain is empty or longer than 253 characters")]
    [InlineData("user@localhost", "invalid email: the domain needs a top-level domain of at least two letters")]
    [InlineData("user@example.c", "invalid email: the domain needs a top-level domain of at least two letters")]
    [InlineData("user@127.0.0.1", "invalid email: the domain needs a top-level domain of at least two letters")]
    [InlineData("user@-bad.com", "invalid email: the domain is not a valid host name")]
    [InlineData("user@bad-.com", "invalid email: the domain is not a valid host name")]
    [InlineData("user@exa_mple.com", "invalid email: the domain is not a valid host name")]
    [InlineData("user@example..com", "invalid email: the domain is not a valid host name")]
    [InlineData("user@[127.0.0.1]", "invalid email: the domain is not a valid host name")]
    public void Check_InvalidAddress_ReturnsItsReasonWithoutTheAddress(string email, string expected)
    {
        // Act
        var reason = PushwooshEmail.Check(email);

        // Assert
        Assert.Equal(expected, reason);
        if (email.Length > 0)
        {
            Assert.DoesNotContain(email, reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_LengthLimits_AcceptAtTheLimitAndRefuseBeyond()
    {
        // Arrange
        var local64 = new string('a', 64);
        var label63 = new string('b', 63);
        var at254 = new string('c', 64) + "@" + label63 + "." + label63 + "." + new string('e', 61);
        var longLocal = new string('a', 65) + "@example.com";
        var longLabel = "user@" + new string('b', 64) + ".com";

        // Act / Assert
        Assert.Null(PushwooshEmail.Check(local64 + "@example.com"));
        Assert.Equal(254, at254.Length);
        Assert.Null(PushwooshEmail.Check(at254));
        Assert.Equal("invalid email: longer than 254 characters", PushwooshEmail.Check(at254 + "x"));
        Assert.Equal("invalid email: the part before '@' is empty or longer than 64 characters", PushwooshEmail.Check(longLocal));
        Assert.Equal("invalid email: the domain is not a valid host name", PushwooshEmail.Check(longLabel));
    }
}
