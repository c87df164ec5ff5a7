using CohortSync.Core.Identity;

namespace CohortSync.Core.Tests.Identity;

public sealed class MemberPayloadTests
{
    [Fact]
    public void EncodeDecode_Fields_RoundTripInOrder()
    {
        // Arrange
        KeyValuePair<string, string>[] fields = [new("email", "a@example.com"), new("externalId", "x=1:2"), new("name", "José 🙂")];

        // Act
        var encoded = MemberPayload.Encode(fields);
        var decoded = MemberPayload.Decode(encoded);

        // Assert
        Assert.Equal("email=a@example.com\u001fexternalId=x=1:2\u001fname=José 🙂", encoded);
        Assert.Equal(fields.ToDictionary(f => f.Key, f => f.Value), decoded);
    }

    [Fact]
    public void Encode_NoFields_ReturnsNull()
    {
        // Arrange
        KeyValuePair<string, string>[] fields = [];

        // Act
        var encoded = MemberPayload.Encode(fields);

        // Assert
        Assert.Null(encoded);
    }

    [Fact]
    public void Encode_ValueContainingSeparator_ReplacesItSoFieldsStaySeparate()
    {
        // Arrange
        KeyValuePair<string, string>[] fields = [new("email", "a\u001fb"), new("plan", "pro")];

        // Act
        var decoded = MemberPayload.Decode(MemberPayload.Encode(fields));

        // Assert
        Assert.Equal(new Dictionary<string, string> { ["email"] = "a b", ["plan"] = "pro" }, decoded);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Decode_NullOrEmpty_ReturnsNoFields(string? payload)
    {
        // Arrange: the payload comes from the theory data.

        // Act
        var decoded = MemberPayload.Decode(payload);

        // Assert
        Assert.Empty(decoded);
    }
}
