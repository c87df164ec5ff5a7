using CohortSync.Connectors.Productboard;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardValidatorTests
{
    [Fact]
    public void Validate_UserIdWithEmailAndExternalId_Accepts()
    {
        // Arrange
        var payload = Payload(("email", "jane@example.com"), ("externalId", "crm-1"));

        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "user-1"), payload);

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Validate_UserIdAlone_Accepts()
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "user-1"), null);

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Validate_KeyThatIsNotAUserId_Refuses()
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.Email, "jane@example.com"), null);

        // Assert
        Assert.Equal("productboard: the key must be a user id", reason);
    }

    [Fact]
    public void Validate_BlankUserId_Refuses()
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, " "), null);

        // Assert
        Assert.Equal("productboard: user id is empty", reason);
    }

    [Fact]
    public void Validate_UserIdOver256WithoutExternalId_RefusesBecauseItBecomesTheExternalId()
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, new string('u', 257)), null);

        // Assert
        Assert.Equal("productboard: user id longer than 256 characters (it is stored as the external id)", reason);
    }

    [Fact]
    public void Validate_UserIdOver256WithAnExternalId_AcceptsBecauseItIsNotSent()
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, new string('u', 300)), Payload(("externalId", "crm-1")));

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Validate_ExactlyTheLimit_Accepts()
    {
        // Arrange
        var email = new string('a', 256 - "@example.com".Length) + "@example.com";

        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "u"), Payload(("email", email), ("externalId", new string('x', 256))));

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Validate_ExternalIdOver256_RefusesWithoutQuotingIt()
    {
        // Arrange
        var externalId = "secret-" + new string('x', 250);

        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "user-1"), Payload(("externalId", externalId)));

        // Assert
        Assert.Equal("productboard: external id longer than 256 characters", reason);
    }

    [Fact]
    public void Validate_EmailOver256_Refuses()
    {
        // Arrange
        var email = new string('a', 250) + "@example.com";

        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "user-1"), Payload(("email", email)));

        // Assert
        Assert.Equal("productboard: email longer than 256 characters", reason);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("@example.com")]
    [InlineData("jane@")]
    [InlineData("jane@example")]
    [InlineData("jane@.example.com")]
    [InlineData("jane@example.com.")]
    [InlineData("jane@exa..mple.com")]
    [InlineData("ja ne@example.com")]
    [InlineData("jane@@example.com")]
    [InlineData("jane@one@example.com")]
    public void Validate_MalformedEmail_RefusesWithoutQuotingIt(string email)
    {
        // Act
        var reason = ProductboardValidator.Validate(new DestinationKey(KeyKind.UserId, "user-1"), Payload(("email", email)));

        // Assert
        Assert.Equal("productboard: email is not a valid address", reason);
    }

    [Theory]
    [InlineData("jane@example.com")]
    [InlineData("Jane.Doe+trial@mail.example.co.uk")]
    [InlineData("x@y.io")]
    public void IsEmail_CommonAddresses_AreAccepted(string email)
    {
        // Act
        var valid = ProductboardValidator.IsEmail(email);

        // Assert
        Assert.True(valid);
    }

    private static string? Payload(params (string Name, string Value)[] fields) =>
        MemberPayload.Encode(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList());
}
