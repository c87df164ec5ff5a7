using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;
using static CohortSync.Connectors.Tests.Pushwoosh.PushwooshFixture;

namespace CohortSync.Connectors.Tests.Pushwoosh;

/// <summary>
/// The exact bodies sent, pinned against the documented shapes (docs.pushwoosh.com/developer/api-reference/audience-api
/// for bulkSetTags, .../tags for listTags and addTag): byte for byte, so a drift in field names, order or types shows.
/// </summary>
public sealed class PushwooshRequestBodyTests : IDisposable
{
    private readonly PushwooshFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task SendAsync_EmailIdentifier_SendsTheDocumentedBulkSetTagsBody()
    {
        // Arrange
        var stub = Vendor();
        var request = Request([Change(ChangeKind.Add, "a@example.com"), Change(ChangeKind.Update, "b@example.com"), Change(ChangeKind.Remove, "c@example.com")]);

        // Act
        await _fixture.Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Equal(
            """{"application":"ABCDE-12345","auth":"server-token","create_missing_tags":false,"devices":["""
            + """{"user_id":"a@example.com","list_operator":"append","tags":{"Amplitude Cohorts":["Trial users"]}},"""
            + """{"user_id":"b@example.com","list_operator":"append","tags":{"Amplitude Cohorts":["Trial users"]}},"""
            + """{"user_id":"c@example.com","list_operator":"remove","tags":{"Amplitude Cohorts":["Trial users"]}}]}""",
            stub.Requests[0].Body);
        Assert.Equal("application/json; charset=utf-8", stub.Requests[0].Request.Content!.Headers.ContentType!.ToString());
        Assert.Null(stub.Requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_UserIdIdentifierAndOwnTag_SendsTheUserIdAsUserId()
    {
        // Arrange
        var stub = Vendor();
        var request = Request([Change(ChangeKind.Add, "user-42", KeyKind.UserId)]);

        // Act
        await _fixture.Connector(stub).SendAsync(Destination(("identifier", "userId"), ("tagName", "Cohorts")), request, CancellationToken.None);

        // Assert
        Assert.Equal(
            """{"application":"ABCDE-12345","auth":"server-token","create_missing_tags":false,"devices":[{"user_id":"user-42","list_operator":"append","tags":{"Cohorts":["Trial users"]}}]}""",
            stub.Requests[0].Body);
    }

    [Fact]
    public async Task EnsureContainerAsync_MissingTag_SendsTheDocumentedListTagsAndAddTagBodies()
    {
        // Arrange
        var stub = Vendor(tagsAfterAdd: """[{"name":"Amplitude Cohorts","type":3}]""");

        // Act
        await _fixture.Connector(stub).EnsureContainerAsync(Destination(), new("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("""{"request":{"auth":"server-token"}}""", stub.Requests[0].Body);
        Assert.Equal(
            """{"request":{"auth":"server-token","tag":{"name":"Amplitude Cohorts","type":3,"application_specific":true,"user_specific":true}}}""",
            stub.Requests[1].Body);
    }
}
