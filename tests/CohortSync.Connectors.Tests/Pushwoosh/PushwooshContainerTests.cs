using System.Text.Json;
using CohortSync.Connectors.Pushwoosh;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using static CohortSync.Connectors.Tests.Pushwoosh.PushwooshFixture;

namespace CohortSync.Connectors.Tests.Pushwoosh;

public sealed class PushwooshContainerTests : IDisposable
{
    private readonly PushwooshFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task EnsureContainerAsync_TagMissing_CreatesItAsAListTagAndReturnsTheCohortName()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Language","type":2}]""", tagsAfterAdd: """[{"name":"Amplitude Cohorts","type":3}]""");

        // Act
        var container = await _fixture.Connector(stub).EnsureContainerAsync(Destination(), new ContainerRequest("s1", " Trial users ", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Equal(["/json/1.3/listTags", "/json/1.3/addTag"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        using var add = JsonDocument.Parse(stub.Requests[1].Body!);
        Assert.Equal("server-token", add.RootElement.GetProperty("request").GetProperty("auth").GetString());
    }

    [Fact]
    public async Task EnsureContainerAsync_AddTagArgumentError_ListsAgainAndAcceptsATagAnotherSyncCreated()
    {
        // Arrange: addTag answers json/1.3's argument error (210 inside an HTTP 200); the tag is there on the second listing.
        var listed = 0;
        var stub = new CohortSync.TestHelpers.StubHttpMessageHandler((request, _, _) => request.RequestUri!.AbsolutePath == "/json/1.3/addTag"
            ? Json("""{"status_code":210,"status_message":"Tag already exists","response":null}""")
            : Json(listed++ == 0
                ? """{"status_code":200,"status_message":"OK","response":{"tags":[]}}"""
                : """{"status_code":200,"status_message":"OK","response":{"tags":[{"name":"Amplitude Cohorts","type":3}]}}"""));

        // Act
        var container = await _fixture.Connector(stub).EnsureContainerAsync(Destination(), new ContainerRequest("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Equal(["/json/1.3/listTags", "/json/1.3/addTag", "/json/1.3/listTags"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task EnsureContainerAsync_TagExistsAndContainerKnown_AddsNothingAndKeepsTheOldName()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Amplitude Cohorts","type":3}]""");

        // Act
        var container = await _fixture.Connector(stub).EnsureContainerAsync(Destination(), new ContainerRequest("s1", "Renamed cohort", "Trial users", DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task EnsureContainerAsync_TagExistsWithAnotherType_ThrowsRejected()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Amplitude Cohorts","type":2}]""");

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(
            () => _fixture.Connector(stub).EnsureContainerAsync(Destination(), new ContainerRequest("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None));

        // Assert
        Assert.Contains("not a list tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureContainerAsync_ManageTagOff_SendsNothing()
    {
        // Arrange
        var stub = Vendor();

        // Act
        var container = await _fixture.Connector(stub).EnsureContainerAsync(Destination(("manageTag", "false")), new ContainerRequest("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Describe_BadSettings_NamesEachOne()
    {
        // Arrange
        var destination = new DestinationDefinition
        {
            Id = "pw", Name = "pw", Type = "pushwoosh", Settings = new Dictionary<string, string> { ["statusPolls"] = "0", ["identifier"] = "phone" },
        };

        // Act
        var error = Assert.Throws<ValidationException>(() => _fixture.Connector(Vendor()).Describe(destination));

        // Assert
        Assert.Equal(["applicationCode", "identifier", "secretName", "statusPolls"], error.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null, KeyKind.Email)]
    [InlineData("email", KeyKind.Email)]
    [InlineData("userId", KeyKind.UserId)]
    public void Describe_Identifier_TakesTheMatchingKeyKindOnly(string? identifier, KeyKind expected)
    {
        // Arrange
        var destination = identifier is null ? Destination() : Destination(("identifier", identifier));

        // Act
        var capabilities = _fixture.Connector(Vendor()).Describe(destination);

        // Assert
        Assert.Equal([expected], capabilities.KeyKinds);
        Assert.Contains(capabilities.Notes, n => n.Contains("never creates users", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(KeyKind.UserId, "user-1", null)]
    [InlineData(KeyKind.UserId, " user-1", "invalid user id: starts or ends with a space")]
    [InlineData(KeyKind.DeviceId, "d-1", "pushwoosh takes email or user id keys only")]
    [InlineData(KeyKind.Email, "not-an-email", "invalid email: needs exactly one '@'")]
    [InlineData(KeyKind.Email, "ok@example.com", null)]
    public void Validate_Key_ReturnsTheReasonOrNull(KeyKind kind, string value, string? expected)
    {
        // Act / Assert
        Assert.Equal(expected, _fixture.Connector(Vendor()).Validate(new DestinationKey(kind, value), null));
    }

    [Theory]
    [InlineData("user_not_found", false, "pushwoosh: user not found")]
    [InlineData("USER_NOT_FOUND", false, "pushwoosh: user not found")]
    [InlineData("user_blocked", true, "pushwoosh: skipped: user blocked")]
    [InlineData("x@example.com not found", false, "pushwoosh: the user's tags could not be updated")]
    [InlineData("x@example.com", true, "pushwoosh: skipped by the bulk job")]
    public void ReasonFor_Code_NeverCarriesAnIdentifier(string? code, bool skipped, string expected)
    {
        // Act / Assert
        Assert.Equal(expected, PushwooshBulkOutcome.ReasonFor(code, skipped));
    }
}
