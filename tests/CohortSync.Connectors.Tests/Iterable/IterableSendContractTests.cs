using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging;
using Moq;

namespace CohortSync.Connectors.Tests.Iterable;

/// <summary>The exact bodies sent for typed fields, forgotten users, and what a batch that fails partway leaves settled.</summary>
public sealed class IterableSendContractTests : IDisposable
{
    private const string Ok = """{"successCount":1,"failCount":0,"failedUpdates":{}}""";
    private readonly Mock<ISecretStore> _secrets = new();
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly CapturingLoggerProvider _logs = new();
    private HttpClient? _http;

    public IterableSendContractTests() =>
        _secrets.Setup(s => s.GetSecretAsync("it-key", It.IsAny<CancellationToken>())).ReturnsAsync("it-secret");

    public void Dispose()
    {
        _http?.Dispose();
        _limits.Dispose();
        _logs.Dispose();
    }

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
    public async Task SendAsync_ForgottenSubscriber_IsSettledAsAcceptedAndLoggedByCountWithoutTheId()
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
        Assert.Equal([0, 1, 2], log.SettledIndexes());
        Assert.Equal(2, Assert.Single(log.Rejections()).Index);
        var line = Assert.Single(_logs.Lines, l => l.Contains("forgotten in Iterable (GDPR)", StringComparison.Ordinal));
        Assert.Contains("Count=1", line, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("gdpr-user", StringComparison.Ordinal));
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

    private (IterableConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        _http = new HttpClient(stub);
        var logger = new TypedLogger(_logs.CreateLogger(typeof(IterableConnector).FullName!));
        return (new IterableConnector(_http, _secrets.Object, _limits, TimeProvider.System, logger), stub);
    }

    private static DestinationDefinition Destination(params (string Name, string Value)[] settings)
    {
        var all = new Dictionary<string, string> { ["requestsPerSecond"] = "1000" };
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return new DestinationDefinition { Id = "it", Name = "Iterable", Type = IterableConnector.TypeName, SecretName = "it-key", Settings = all };
    }

    private static SendRequest Request(IReadOnlyList<SnapshotChange> changes, DeliveryLog? log = null) => new("sync-1", "run-1", 0, "42", changes, Delivery: log);

    private static SnapshotChange Change(ChangeKind kind, KeyKind keyKind, string value, params (string Name, string Value)[] fields) =>
        new(kind, SnapshotEntry.Create(new DestinationKey(keyKind, value).Encode(), MemberPayload.Encode([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))])));

    private static void AssertJson(string expected, string? actual)
    {
        static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
        Assert.Equal(Normalize(expected), Normalize(actual!));
    }

    private sealed class TypedLogger(ILogger inner) : ILogger<IterableConnector>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
