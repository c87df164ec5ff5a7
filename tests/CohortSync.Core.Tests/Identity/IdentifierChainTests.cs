using CohortSync.Core.Identity;
using CohortSync.Core.Members;

namespace CohortSync.Core.Tests.Identity;

public sealed class IdentifierChainTests
{
    private static readonly IdentifierMapping[] UserAliasDevice =
    [
        new("user_id", KeyKind.UserId),
        new("alias_name", KeyKind.Alias, "amplitude_id"),
        new("device_id", KeyKind.DeviceId),
    ];

    private static readonly MemberSchema UserAliasDeviceSchema = new(["user_id", "alias_name", "device_id", "email"]);

    [Theory]
    [InlineData("u1", "al1", "d1", KeyKind.UserId, "u1", null)]
    [InlineData(null, "al1", "d1", KeyKind.Alias, "al1", "amplitude_id")]
    [InlineData(null, null, "d1", KeyKind.DeviceId, "d1", null)]
    [InlineData("u1", null, "d1", KeyKind.UserId, "u1", null)]
    [InlineData(null, "al1", null, KeyKind.Alias, "al1", "amplitude_id")]
    public void Resolve_SomeMappingsPresent_FirstPresentMappingWins(
        string? userId, string? alias, string? deviceId, KeyKind expectedKind, string expectedValue, string? expectedLabel)
    {
        // Arrange
        var chain = new IdentifierChain(UserAliasDevice);
        var member = new MemberRecord(UserAliasDeviceSchema, [userId, alias, deviceId, null], 2);

        // Act
        var resolution = chain.Resolve(member);

        // Assert
        Assert.True(resolution.IsMatched);
        Assert.Null(resolution.UnmatchedReason);
        Assert.Equal(Parts(new DestinationKey(expectedKind, expectedValue, expectedLabel)), Parts(resolution.Key));
    }

    [Fact]
    public void Resolve_EmptyAndWhitespaceValuesFromCsv_CountAsAbsent()
    {
        // Arrange: the reader cleans values, so empty, blank and tab-only fields arrive as null.
        var chain = new IdentifierChain(UserAliasDevice);
        var members = MemberFileReader.ReadCsv(new StringReader(
            "user_id,alias_name,device_id\n" +
            ",   ,d1\n" +
            "\t,\"\",d2\n" +
            "\"  \",al3,d3\n")).ToList();

        // Act
        var keys = members.Select(m => Parts(chain.Resolve(m).Key)).ToList();

        // Assert
        Assert.Equal(
            [
                (KeyKind.DeviceId, "d1", null),
                (KeyKind.DeviceId, "d2", null),
                (KeyKind.Alias, "al3", "amplitude_id"),
            ],
            keys);
    }

    [Fact]
    public void Resolve_NoMappingHasAValue_UnmatchedWithReasonNamingTheFieldsTried()
    {
        // Arrange
        var chain = new IdentifierChain([new("user_id", KeyKind.UserId), new("device_id", KeyKind.DeviceId)], [new("email", "email")]);
        var schema = new MemberSchema(["user_id", "device_id", "email"]);
        var member = new MemberRecord(schema, [null, null, "a@example.com"], 7);

        // Act
        var resolution = chain.Resolve(member);

        // Assert
        Assert.False(resolution.IsMatched);
        Assert.Equal("no value for user_id, device_id", resolution.UnmatchedReason);
        Assert.Null(resolution.Payload);
        Assert.DoesNotContain("a@example.com", resolution.UnmatchedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MappedColumnMissingFromSource_FallsBackToNextMapping()
    {
        // Arrange
        var chain = new IdentifierChain(UserAliasDevice);
        var schema = new MemberSchema(["device_id"]);

        // Act
        var resolution = chain.Resolve(new MemberRecord(schema, ["d1"], 2));

        // Assert
        Assert.Equal(Parts(new DestinationKey(KeyKind.DeviceId, "d1")), Parts(resolution.Key));
    }

    [Fact]
    public void Resolve_RecordShorterThanSchema_MissingTrailingValuesCountAsAbsent()
    {
        // Arrange
        var chain = new IdentifierChain([new("device_id", KeyKind.DeviceId), new("user_id", KeyKind.UserId)]);
        var schema = new MemberSchema(["user_id", "device_id"]);

        // Act
        var resolution = chain.Resolve(new MemberRecord(schema, ["u1"], 2));

        // Assert
        Assert.Equal(Parts(new DestinationKey(KeyKind.UserId, "u1")), Parts(resolution.Key));
    }

    [Fact]
    public void Resolve_CarriedFields_PayloadDecodesWithMemberPayload()
    {
        // Arrange
        var chain = new IdentifierChain(
            [new("user_id", KeyKind.UserId)],
            [new("email", "email"), new("external_id", "externalId")]);
        var schema = new MemberSchema(["user_id", "email", "external_id"]);
        var member = new MemberRecord(schema, ["u1", "a=b@example.com", "ext-9"], 2);

        // Act
        var resolution = chain.Resolve(member);

        // Assert
        Assert.Equal(Parts(new DestinationKey(KeyKind.UserId, "u1")), Parts(resolution.Key));
        var fields = MemberPayload.Decode(resolution.Payload);
        Assert.Equal(2, fields.Count);
        Assert.Equal("a=b@example.com", fields["email"]);
        Assert.Equal("ext-9", fields["externalId"]);
    }

    [Fact]
    public void Resolve_CarriedFieldAbsent_LeftOutOfPayload()
    {
        // Arrange
        var chain = new IdentifierChain(
            [new("user_id", KeyKind.UserId)],
            [new("email", "email"), new("external_id", "externalId")]);
        var schema = new MemberSchema(["user_id", "email", "external_id"]);

        // Act
        var oneCarried = chain.Resolve(new MemberRecord(schema, ["u1", null, "ext-9"], 2));
        var noneCarried = chain.Resolve(new MemberRecord(schema, ["u2", null, null], 3));

        // Assert
        Assert.Equal(new Dictionary<string, string> { ["externalId"] = "ext-9" }, MemberPayload.Decode(oneCarried.Payload));
        Assert.Null(noneCarried.Payload);
    }

    [Fact]
    public void Resolve_NoCarriedFields_PayloadIsNull()
    {
        // Arrange
        var chain = new IdentifierChain(UserAliasDevice);

        // Act
        var resolution = chain.Resolve(new MemberRecord(UserAliasDeviceSchema, ["u1", null, null, "a@example.com"], 2));

        // Assert
        Assert.Null(resolution.Payload);
    }

    [Fact]
    public void Resolve_ColumnNamesInAnotherCase_MatchesCaseInsensitively()
    {
        // Arrange
        var chain = new IdentifierChain([new("user_id", KeyKind.UserId)], [new("Email", "email")]);
        var schema = new MemberSchema(["USER_ID", "email"]);

        // Act
        var resolution = chain.Resolve(new MemberRecord(schema, ["u1", "a@example.com"], 2));

        // Assert
        Assert.Equal(Parts(new DestinationKey(KeyKind.UserId, "u1")), Parts(resolution.Key));
        Assert.Equal("a@example.com", MemberPayload.Decode(resolution.Payload)["email"]);
    }

    [Fact]
    public void Resolve_RecordsOfDifferentSchemas_RebindsToEachSchema()
    {
        // Arrange
        var chain = new IdentifierChain([new("user_id", KeyKind.UserId), new("device_id", KeyKind.DeviceId)], [new("email", "email")]);
        var first = new MemberSchema(["user_id", "device_id", "email"]);
        var second = new MemberSchema(["email", "device_id", "user_id"]);

        // Act
        var a = chain.Resolve(new MemberRecord(first, ["u1", "d1", "one@example.com"], 2));
        var b = chain.Resolve(new MemberRecord(second, ["two@example.com", "d2", null], 2));
        var c = chain.Resolve(new MemberRecord(first, [null, "d3", "three@example.com"], 3));

        // Assert
        Assert.Equal(Parts(new DestinationKey(KeyKind.UserId, "u1")), Parts(a.Key));
        Assert.Equal("one@example.com", MemberPayload.Decode(a.Payload)["email"]);
        Assert.Equal(Parts(new DestinationKey(KeyKind.DeviceId, "d2")), Parts(b.Key));
        Assert.Equal("two@example.com", MemberPayload.Decode(b.Payload)["email"]);
        Assert.Equal(Parts(new DestinationKey(KeyKind.DeviceId, "d3")), Parts(c.Key));
        Assert.Equal("three@example.com", MemberPayload.Decode(c.Payload)["email"]);
    }

    [Fact]
    public void Resolve_JsonLinesWhoseSchemaGrows_RebindsAsColumnsAppear()
    {
        // Arrange: the second line adds user_id, so the reader hands out a new schema.
        var chain = new IdentifierChain([new("user_id", KeyKind.UserId), new("device_id", KeyKind.DeviceId)]);
        var members = MemberFileReader.ReadJsonLines(new StringReader(
            "{\"device_id\":\"d1\"}\n{\"device_id\":\"d2\",\"user_id\":\"u2\"}\n{\"device_id\":\"d3\"}\n")).ToList();

        // Act
        var keys = members.Select(m => Parts(chain.Resolve(m).Key)).ToList();

        // Assert
        Assert.Equal(
            [(KeyKind.DeviceId, "d1", null), (KeyKind.UserId, "u2", null), (KeyKind.DeviceId, "d3", null)],
            keys);
    }

    [Fact]
    public void Constructor_NoMappings_ThrowsArgumentException()
    {
        // Arrange
        IdentifierMapping[] none = [];

        // Act
        var ex = Assert.Throws<ArgumentException>(() => new IdentifierChain(none));

        // Assert
        Assert.Equal("mappings", ex.ParamName);
    }

    [Fact]
    public void SourceFields_MappingsAndCarriedFields_ListsEachFieldOnceIgnoringCase()
    {
        // Arrange
        var chain = new IdentifierChain(
            [new("user_id", KeyKind.UserId), new("email", KeyKind.Email)],
            [new("EMAIL", "email"), new("plan", "plan")]);

        // Act
        var fields = chain.SourceFields.ToList();

        // Assert
        Assert.Equal(["user_id", "email", "plan"], fields);
    }

    // DestinationKey redacts itself in ToString, so failures compare the parts.
    private static (KeyKind Kind, string Value, string? Label) Parts(DestinationKey key) => (key.Kind, key.Value, key.Label);
}
