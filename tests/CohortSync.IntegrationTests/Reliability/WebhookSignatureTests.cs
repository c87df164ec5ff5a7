using System.Security.Cryptography;
using System.Text;
using CohortSync.Connectors.Webhook;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>A receiver can verify what the webhook connector sends: HMAC-SHA256 of the exact body with the shared secret.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookSignatureTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-sig-")
{
    [Fact]
    public async Task Send_EveryRequest_CarriesAnHmacOfItsBodyThatFailsForAnyChangedByteOrOtherSecret()
    {
        // Arrange: capture the raw requests as they arrive, before the sandbox's own check.
        var received = new List<(byte[] Body, string Signature)>();
        Sandbox.Webhook.Received = (body, signature) =>
        {
            lock (received)
            {
                received.Add((body, signature));
            }
        };
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), Sandbox);
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 300));
        await host.CreateWebhookSyncAsync("signed", cohort, batchSize: 100);

        // Act
        var run = await host.RunAsync("signed");

        // Assert: recomputed here with the framework's HMAC, independent of the connector's code.
        Assert.Equal(300, run.Outcome!.Accepted);
        Assert.Equal(0, Sandbox.Webhook.BadSignatures);
        Assert.Equal(3, received.Count);
        var key = Encoding.UTF8.GetBytes(Sandbox.Webhook.Secret);
        foreach (var (body, signature) in received)
        {
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body)), signature);
            Assert.True(WebhookConnector.Verify(Sandbox.Webhook.Secret, body, signature));
            var tampered = (byte[])body.Clone();
            tampered[tampered.Length / 2] ^= 1;
            Assert.False(WebhookConnector.Verify(Sandbox.Webhook.Secret, tampered, signature));
            Assert.False(WebhookConnector.Verify(Sandbox.Webhook.Secret + "x", body, signature));
        }
    }
}
