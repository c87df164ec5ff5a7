using System.Net;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;

namespace CohortSync.Connectors.Tests.Iterable;

/// <summary>The exact bodies sent for typed fields, forgotten users, and what a batch that fails partway leaves settled.</summary>
public sealed class IterableSendContractTests : IterableConnectorTestBase
{
    private const string Ok = """{"successCount":1,"failCount":0,"failedUpdates":{}}""";

    [Fact]
    public async Task SendAsync_TypedFields_SendsDeclaredAndInferredJsonTypes()
    {
        // Arrange: plan is declared a string (so "42" stays one); seats, beta and trial_end are inferred; zip keeps its zero.
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));
        var destination = Destination(("fieldTypes", "plan:string, score:number, signed_up:date"));
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u-1", ("plan", "42"), ("seats", "12"), ("ratio", "0.75"), ("beta", "true"), ("zip", "02139"),
                ("trial_end", "2025-03-01T10:30:00+02:00"), ("renewal", "2025-04-01"), ("score", "1e3"), ("signed_up", "2024-12-31"), ("note", "hello")),
        };

        // Act
        var result = await connector.SendAsync(destination, Request(changes), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        var body = Assert.Single(stub.Requests).Body;
        Assert.Contains("\"2025-03-01 08:30:00 +00:00\"", body, StringComparison.Ordinal); // '+' as itself on the wire
        AssertJson(
            """
            {"listId":42,"subscribers":[{"userId":"u-1","dataFields":{
              "plan":"42","seats":12,"ratio":0.75,"beta":true,"zip":"02139",
              "trial_end":"2025-03-01 08:30:00 +00:00","renewal":"2025-04-01 00:00:00 +00:00","score":1000,
              "signed_up":"2024-12-31 00:00:00 +00:00","note":"hello"},"preferUserId":true}],
             "updateExistingUsersOnly":false}
            """,
            body);
    }

    [Fact]
    public async Task SendAsync_DeclaredTypeTheValueDoesNotFit_RejectsThatMemberNamingTheFieldNotTheValue()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));
        var log = new DeliveryLog();
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u-1", ("seats", "many")),
            Change(ChangeKind.Add, KeyKind.UserId, "u-2", ("seats", "3")),
        };

        // Act
        var result = await connector.SendAsync(Destination(("fieldTypes", "seats:number")), Request(changes, log), CancellationToken.None);

        // Assert
        Assert.Equal([new MemberRejection(0, "carried field 'seats' is not a number")], result.Rejections);
        AssertJson("""{"listId":42,"subscribers":[{"userId":"u-2","dataFields":{"seats":3},"preferUserId":true}],"updateExistingUsersOnly":false}""", Assert.Single(stub.Requests).Body);
        Assert.Equal([0, 1], log.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_ForgottenSubscriber_IsSettledAsSkippedWithTheReasonAndLoggedByCountWithoutTheId()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.OK, """{"successCount":1,"failCount":2,"failedUpdates":{"forgottenUserIds":["gdpr-user"],"notFoundUserIds":["u-9"]}}"""));
        var log = new DeliveryLog();
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u-1"),
            Change(ChangeKind.Add, KeyKind.UserId, "gdpr-user", ("plan", "pro")),
            Change(ChangeKind.Add, KeyKind.UserId, "u-9"),
        };

        // Act
        var result = await connector.SendAsync(Destination(), Request(changes, log), CancellationToken.None);

        // Assert
        Assert.Equal([new MemberRejection(2, IterableResponseMapper.NotFound)], result.Rejections);
        Assert.Equal([new MemberRejection(1, IterableResponseMapper.Forgotten)], result.Skipped);
        Assert.Equal([0, 1, 2], log.SettledIndexes());
        Assert.Equal(2, Assert.Single(log.Rejections()).Index);
        var line = Assert.Single(Logs.Lines, l => l.Contains("forgotten in Iterable (GDPR)", StringComparison.Ordinal));
        Assert.Contains("Count=1", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Lines, l => l.Contains("gdpr-user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_SecondRequestRefused_TheFirstRequestsMembersStaySettled()
    {
        // Arrange: 1,200 adds make two subscribe requests; the second fails, so the send throws.
        var (connector, stub) = Create((_, _, index) => index == 0
            ? StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"successCount":1000,"failCount":0,"failedUpdates":{}}""")
            : StubHttpMessageHandler.Status(HttpStatusCode.BadRequest, """{"code":"BadParams","msg":"x"}"""));
        var log = new DeliveryLog();
        var changes = Enumerable.Range(0, 1200).Select(i => Change(ChangeKind.Add, KeyKind.UserId, "u-" + i)).ToArray();

        // Act
        var act = () => connector.SendAsync(Destination(), Request(changes, log), CancellationToken.None);

        // Assert
        await Assert.ThrowsAsync<DestinationRejectedException>(act);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(Enumerable.Range(0, 1000), log.SettledIndexes());
    }

    [Theory]
    [InlineData("seats")]
    [InlineData("seats:integer")]
    [InlineData("seats:number,seats:string")]
    public async Task EnsureContainerAsync_MalformedFieldTypes_FailsNamingTheSettingBeforeAnyRequest(string setting)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"lists":[]}"""));

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            connector.EnsureContainerAsync(Destination(("fieldTypes", setting)), new ContainerRequest("s", "C", null, DateTimeOffset.UnixEpoch), CancellationToken.None));

        // Assert
        Assert.Contains("fieldTypes", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }
}
