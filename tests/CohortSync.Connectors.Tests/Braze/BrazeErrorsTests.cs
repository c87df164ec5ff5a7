using CohortSync.Connectors.Braze;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeErrorsTests
{
    [Fact]
    public void Describe_PartnerNotEnabled_LeavesTheClientSecretOut()
    {
        // Act
        var described = BrazeErrors.Describe("Partner not enabled for client with client secret: dik-12345", []);

        // Assert
        Assert.Equal("Partner not enabled for client with client secret: (redacted)", described);
    }

    [Theory]
    [InlineData("Only 1,000 `user_ids`, `device_ids`, and `aliases` are allowed per request")]
    [InlineData("Only 1,000 user_ids, device_ids, and aliases are allowed per request")]
    public void Describe_DocumentedMessage_WithOrWithoutBackticks_IsKept(string message)
    {
        // Act
        var described = BrazeErrors.Describe(message, ["user-1"]);

        // Assert
        Assert.Equal(BrazeErrors.TooManyIdentifiers, described);
    }

    [Fact]
    public void Describe_UnknownMessageQuotingAnIdentifier_IsWithheld()
    {
        // Act
        var described = BrazeErrors.Describe("user user-42 is broken", ["user-41", "user-42"]);

        // Assert
        Assert.DoesNotContain("user-42", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_UnknownLongMessage_IsCut()
    {
        // Act
        var described = BrazeErrors.Describe(new string('m', 500), []);

        // Assert
        Assert.Equal(201, described!.Length);
    }

    [Theory]
    [InlineData("Invalid Partner API key", true)]
    [InlineData("invalid partner api key ", true)]
    [InlineData("Invalid client secret", false)]
    [InlineData(null, false)]
    public void Is_ComparesWithTheDocumentedText(string? message, bool expected)
    {
        // Act
        var matches = BrazeErrors.Is(message, BrazeErrors.InvalidPartnerKey);

        // Assert
        Assert.Equal(expected, matches);
    }
}
