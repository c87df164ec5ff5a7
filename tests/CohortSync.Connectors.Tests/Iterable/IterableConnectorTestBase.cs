using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging;
using Moq;

namespace CohortSync.Connectors.Tests.Iterable;

/// <summary>What the Iterable connector's unit tests share: the connector on a stub handler, a destination, batches, and
/// a JSON comparison.</summary>
public abstract class IterableConnectorTestBase : IDisposable
{
    /// <summary>The API key the secret store holds.</summary>
    protected const string Secret = "it-secret-value";

    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private HttpClient? _http;

    /// <summary>Creates the base with the secret in the store.</summary>
    protected IterableConnectorTestBase() =>
        Secrets.Setup(s => s.GetSecretAsync("it-key", It.IsAny<CancellationToken>())).ReturnsAsync(Secret);

    /// <summary>The secret store.</summary>
    protected Mock<ISecretStore> Secrets { get; } = new();

    /// <summary>Every log line of the connector.</summary>
    protected CapturingLoggerProvider Logs { get; } = new();

    /// <inheritdoc/>
    public void Dispose()
    {
        _http?.Dispose();
        _limits.Dispose();
        Logs.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The connector on a stub that answers with <paramref name="respond"/>.</summary>
    protected (IterableConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond, bool resilient = false)
    {
        var stub = new StubHttpMessageHandler(respond);
        _http = resilient
            ? new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub })
            : new HttpClient(stub);
        var logger = new TypedLogger(Logs.CreateLogger(typeof(IterableConnector).FullName!));
        return (new IterableConnector(_http, Secrets.Object, _limits, TimeProvider.System, logger), stub);
    }

    /// <summary>A destination on the US host (unless a setting says otherwise), paced fast enough not to wait.</summary>
    protected static DestinationDefinition Destination(params (string Name, string Value)[] settings)
    {
        var all = new Dictionary<string, string> { ["requestsPerSecond"] = "1000" };
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return new DestinationDefinition { Id = "it", Name = "Iterable", Type = IterableConnector.TypeName, SecretName = "it-key", Settings = all };
    }

    /// <summary>A container request for the cohort "Trial users".</summary>
    protected static ContainerRequest Container(string? existing = null) => new("sync-1", "Trial users", existing, DateTimeOffset.UnixEpoch);

    /// <summary>A batch for list 42.</summary>
    protected static SendRequest Request(IReadOnlyList<SnapshotChange> changes, DeliveryLog? log = null) => new("sync-1", "run-1", 0, "42", changes, Delivery: log);

    /// <summary>One change with carried fields.</summary>
    protected static SnapshotChange Change(ChangeKind kind, KeyKind keyKind, string value, params (string Name, string Value)[] fields) =>
        new(kind, SnapshotEntry.Create(new DestinationKey(keyKind, value).Encode(), MemberPayload.Encode([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))])));

    /// <summary>Asserts two JSON texts are equal, property order included, whitespace aside.</summary>
    protected static void AssertJson(string expected, string? actual)
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
