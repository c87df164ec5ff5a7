using CohortSync.Core.Identity;

namespace CohortSync.Core.Tests.Identity;

public sealed class DestinationKeyTests
{
    public static TheoryData<KeyKind> AllKinds() => new(Enum.GetValues<KeyKind>());

    public static TheoryData<string> AwkwardValues() => new(
        "user-42",
        "a:b",
        ":leading",
        "trailing:",
        "::",
        "u::x:y",
        "José 🙂 用户 مرحبا e\u0301",
        "\u001f=tab\tand\nnewline",
        string.Empty);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void EncodeDecode_EveryKind_RoundTrips(KeyKind kind)
    {
        // Arrange
        var key = new DestinationKey(kind, "user-42", kind == KeyKind.Alias ? "amplitude_id" : null);

        // Act
        var decoded = DestinationKey.Decode(key.Encode());

        // Assert
        Assert.Equal(Parts(key), Parts(decoded));
    }

    [Theory]
    [MemberData(nameof(AwkwardValues))]
    public void EncodeDecode_ValuesWithColonsAndUnicode_RoundTrip(string value)
    {
        // Arrange
        var plain = new DestinationKey(KeyKind.UserId, value);
        var alias = new DestinationKey(KeyKind.Alias, value, "amplitude_id");

        // Act
        var decodedPlain = DestinationKey.Decode(plain.Encode());
        var decodedAlias = DestinationKey.Decode(alias.Encode());

        // Assert
        Assert.Equal(Parts(plain), Parts(decodedPlain));
        Assert.Equal(Parts(alias), Parts(decodedAlias));
    }

    [Theory]
    [InlineData(KeyKind.UserId, "user-42", null, "u::user-42")]
    [InlineData(KeyKind.Email, "a@example.com", null, "e::a@example.com")]
    [InlineData(KeyKind.DeviceId, "d-1", null, "d::d-1")]
    [InlineData(KeyKind.Alias, "al-1", "amplitude_id", "a:amplitude_id:al-1")]
    [InlineData(KeyKind.ExternalId, "x:1", null, "x::x:1")]
    public void Encode_Key_WritesTheStoredForm(KeyKind kind, string value, string? label, string expected)
    {
        // Arrange: the stored form lives in baselines, so it must never change.
        var key = new DestinationKey(kind, value, label);

        // Act
        var encoded = key.Encode();

        // Assert
        Assert.Equal(expected, encoded);
    }

    [Fact]
    public void EncodeDecode_AliasLabelContainingColon_RoundTrips()
    {
        // Arrange: alias labels are free text in the sync definition and nothing forbids ':' in them.
        var key = new DestinationKey(KeyKind.Alias, "al-1", "crm:legacy");

        // Act
        var decoded = DestinationKey.Decode(key.Encode());

        // Assert
        Assert.Equal(Parts(key), Parts(decoded));
    }

    [Theory]
    [InlineData("")]
    [InlineData("u")]
    [InlineData("u:")]
    [InlineData("u-:x")]
    [InlineData("u:label-without-end")]
    [InlineData("q::value")]
    public void Decode_NotAnEncodedKey_ThrowsFormatException(string encoded)
    {
        // Arrange: the text comes from the theory data.

        // Act
        var ex = Record.Exception(() => DestinationKey.Decode(encoded));

        // Assert
        Assert.IsType<FormatException>(ex);
    }

    [Fact]
    public void Decode_Null_ThrowsArgumentNullException()
    {
        // Arrange
        string? encoded = null;

        // Act
        var ex = Record.Exception(() => DestinationKey.Decode(encoded!));

        // Assert
        Assert.IsType<ArgumentNullException>(ex);
    }

    [Fact]
    public void ToString_Key_DoesNotLeakValueOrLabel()
    {
        // Arrange
        var key = new DestinationKey(KeyKind.Alias, "secret-member-7", "secret-label");

        // Act
        var text = key.ToString();

        // Assert
        Assert.Contains("Alias", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", $"{key}", StringComparison.Ordinal);
    }

    // DestinationKey redacts itself in ToString, so failures compare the parts.
    private static (KeyKind Kind, string Value, string? Label) Parts(DestinationKey key) => (key.Kind, key.Value, key.Label);
}
