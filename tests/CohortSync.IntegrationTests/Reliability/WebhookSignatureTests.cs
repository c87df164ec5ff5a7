using System.Security.Cryptography;
using System.Text;
using CohortSync.Connectors.Webhook;
using CohortSync.Sandbox;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>A receiver can verify what the webhook connector sends: HMAC-SHA256 of the exact body with the shared secret.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookSignatureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cohortsync-sig-").FullName;
    private SandboxHost _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Send_EveryRequest_CarriesAnHmacOfItsBodyThatFailsForAnyChangedByteOrOtherSecret()
    {
        // Arrange: capture the raw requests as they arrive, before the sandbox's own check.
        var received = new List<(byte[] Body, string Signature)>();
        _sandbox.Webhook.Received = (body, signature) =>
        {
            lock (received)
            {
                received.Add((body, signature));
            }
        };
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), _sandbox);
        var cohort = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 300));
        await host.CreateWebhookSyncAsync("signed", cohort, batchSize: 100);

        // Act
        var run = await host.RunAsync("signed");

        // Assert: recomputed here with the framework's HMAC, independent of the connector's code.
        Assert.Equal(300, run.Outcome!.Accepted);
        Assert.Equal(0, _sandbox.Webhook.BadSignatures);
        Assert.Equal(3, received.Count);
        var key = Encoding.UTF8.GetBytes(_sandbox.Webhook.Secret);
        foreach (var (body, signature) in received)
        {
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body)), signature);
            Assert.True(WebhookConnector.Verify(_sandbox.Webhook.Secret, body, signature));
            var tampered = (byte[])body.Clone();
            tampered[tampered.Length / 2] ^= 1;
            Assert.False(WebhookConnector.Verify(_sandbox.Webhook.Secret, tampered, signature));
            Assert.False(WebhookConnector.Verify(_sandbox.Webhook.Secret + "x", body, signature));
        }
    }
}
