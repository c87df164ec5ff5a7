using System.Net;
using CohortSync.Core.Runs;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Security;

/// <summary>Secrets, emails and user ids never reach the logs, through successes, refusals, faults and failures.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LogHygieneTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-logs-")
{
    private const string Secret = "s3cret-signing-key-never-logged";

    protected override Task StartedAsync()
    {
        Sandbox.Webhook.Secret = Secret;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Runs_ThroughRefusalsFaultsAndFailures_LogNoSecretEmailOrUserId()
    {
        // Arrange
        var logs = new CapturingLoggerProvider();
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), Sandbox, logs: logs);
        var cohort = Path.Combine(Dir, "cohort.csv");
        var ids = Enumerable.Range(0, 300).ToList();
        EngineHarness.WriteCohort(cohort, ids, extraIds: ["reject-me-7"]);
        await host.CreateWebhookSyncAsync("s1", cohort, batchSize: 100);

        // Act: a clean run with a refused member, a run through transient faults, a run whose batches fail for good,
        // a run with a wrong signing key, and a run on a malformed file.
        await host.RunAsync("s1");
        EngineHarness.WriteCohort(cohort, ids.Skip(50));
        Sandbox.Webhook.Faults.FailNext(2, HttpStatusCode.ServiceUnavailable);
        await host.RunAsync("s1");
        EngineHarness.WriteCohort(cohort, ids.Skip(60));
        Sandbox.Webhook.Faults.FailNext(1, HttpStatusCode.BadRequest);
        await host.RunAsync("s1");
        Sandbox.Webhook.Secret = "rotated-elsewhere";
        EngineHarness.WriteCohort(cohort, ids.Skip(70));
        var wrongKey = await host.RunAsync("s1");
        File.WriteAllText(cohort, "user_id,email\nuser-1,u1@example.com\nuser-2,\"u2@example.com\n");
        var malformed = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, malformed.Status);
        Assert.Equal("1 batch(es) failed after retries; 20 of their changes did not settle and are sent again by the next run", wrongKey.Error);
        var text = string.Join("\n", logs.Lines);
        Assert.Contains(malformed.RunId, text, StringComparison.Ordinal);
        Assert.Contains("Malformed member source at line 3", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("user-1,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("reject-me-7", text, StringComparison.Ordinal);
        foreach (var id in ids)
        {
            Assert.DoesNotContain($"user-{id}\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain($"user-{id} ", text, StringComparison.Ordinal);
            Assert.DoesNotContain($"user-{id}\n", text, StringComparison.Ordinal);
        }
    }
}
