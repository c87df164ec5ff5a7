using System.Net;
using CohortSync.LocalHostTesting;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>
/// The API key check (LocalHost's ApiKeyFilter). It is constant-time by construction: both keys are hashed with SHA-256 and
/// the digests, always 32 bytes, are compared with <c>CryptographicOperations.FixedTimeEquals</c>, so neither a shared
/// prefix nor the length changes the work done. Timing is not measured in a unit test (docs/reliability.md); this test
/// checks that no near miss gets in, by header or by <c>?code=</c>. 401 on every route: <c>HttpApiTests</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ApiKeyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private LocalHostUnderTest _host = null!;

    public async Task InitializeAsync() => _host = await LocalHostUnderTest.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Api_NearMissKeys_Answer401AndOnlyTheKeyItselfGetsIn()
    {
        // Arrange (no leading or trailing spaces: HTTP strips them from a header value, so " key" is the key itself)
        const string key = LocalHostUnderTest.ApiKey;
        string[] nearMisses =
        [
            key[..^1], key + "0", "x" + key[1..], key[..^1] + "x", key.ToUpperInvariant(), key[..8], string.Empty, new string('a', 4096),
        ];

        foreach (var candidate in nearMisses)
        {
            // Act
            using var byHeader = new HttpRequestMessage(HttpMethod.Get, new Uri("api/syncs", UriKind.Relative));
            byHeader.Headers.TryAddWithoutValidation("x-functions-key", candidate);
            using var headerResponse = await _host.Anonymous.SendAsync(byHeader);
            using var queryResponse = await _host.Anonymous.GetAsync(new Uri("api/syncs?code=" + Uri.EscapeDataString(candidate), UriKind.Relative));

            // Assert
            Assert.Equal(HttpStatusCode.Unauthorized, headerResponse.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, queryResponse.StatusCode);
        }

        using var right = await _host.Anonymous.GetAsync(new Uri("api/syncs?code=" + Uri.EscapeDataString(key), UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }
}
