using System.Net;
using CohortSync.Core.Definitions;
using CohortSync.Core.Runs;
using CohortSync.TestHelpers;
using CohortSync.TestHelpers.Snapshots;
using CohortSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.IntegrationTests.Workflow;

/// <summary>Whole runs on Azurite, with the webhook destination talking real HTTP to the sandbox.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SyncRunTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-it-")
{
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    [Fact]
    public async Task Run_FirstThenSecond_SendsEveryMemberThenOnlyTheChange()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 5000));

        // Act
        var first = await host.RunAsync("s1");
        var requestsAfterFirst = Sandbox.Webhook.Requests;
        EngineHarness.WriteCohort(cohort, Enumerable.Range(100, 5100));
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal(5000, first.Plan!.Adds);
        Assert.Equal(5, requestsAfterFirst); // 5 batches of 1,000: fewer than the 8 sends, so cut by the batch size
        Assert.Equal(RunStatus.Completed, second.Status);
        Assert.Equal((200, 100, 0), (second.Plan!.Adds, second.Plan.Removes, second.Plan.Updates));
        Assert.Equal(1, Sandbox.Webhook.Requests - requestsAfterFirst);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(100, 5100)), Sandbox.Webhook.Members("s1"));
        Assert.Equal(1, Sandbox.Webhook.Deliveries["s1|userId:user-2500"]);
        Assert.Equal(5100, second.Outcome!.BaselineAfter);
        Assert.Equal(0, Sandbox.Webhook.BadSignatures);
    }

    [Fact]
    public async Task Run_StoppedAfterSomeBatchesThenResumed_DeliversEveryMemberAndResendsAtMostTheBatchInFlight()
    {
        // Arrange: ten batches of 100, sent one at a time; the sandbox answers three, then holds the fourth. The engine keeps
        // its task hub on Azurite, so a second host on the same storage is the same process restarted.
        var cohort = Path.Combine(Dir, "cohort.csv");
        var members = Enumerable.Range(0, 1000).ToList();
        EngineHarness.WriteCohort(cohort, members);
        string runId;
        RunStatus stoppedAt;
        await using (var first = await Harness(maxParallelActivities: 1, durableStorage: true))
        {
            await first.CreateWebhookSyncAsync("s1", cohort, batchSize: 100);
            Sandbox.Webhook.Faults.HoldAfter(3);
            runId = (await first.Runs.StartAsync("s1", RunMode.Incremental)).Run.RunId;
            await Eventually.UntilAsync(() => Sandbox.Webhook.Requests >= 4, TimeSpan.FromSeconds(30), "the webhook to receive its fourth request");

            // Act: the host stops where it is; its orchestration and the activity in flight stay in the task hub.
            await first.StopAsync();
            stoppedAt = (await first.Store.GetRunAsync(runId))!.Value.Status;
        }

        Sandbox.Webhook.Faults.Release();
        await using var second = await Harness(durableStorage: true);
        var result = await second.Engine.WaitAsync(runId).WaitAsync(TimeSpan.FromMinutes(2));
        var run = (await second.Store.GetRunAsync(runId))!.Value;

        // Assert: the second engine replayed the orchestration and finished it.
        Assert.Equal(RunStatus.Sending, stoppedAt);
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1000, run.Outcome!.Accepted);
        Assert.Equal(EngineHarness.Keys(members), Sandbox.Webhook.Members("s1"));
        var resent = Sandbox.Webhook.Deliveries.Count(d => d.Value > 1);
        Assert.InRange(resent, 0, 100);
        Assert.All(Sandbox.Webhook.Deliveries.Values, n => Assert.InRange(n, 1, 2));
    }

    [Fact]
    public async Task Run_TwoHostsOnOneTaskHub_ShareTheBatchesAndDeliverEveryMemberOnce()
    {
        // Arrange: two local hosts (two "cohortsync serve" processes) on one storage account and task hub, each running one
        // activity at a time; 2,000 members in batches of at most 100, evened out to 24.
        var cohort = Path.Combine(Dir, "cohort.csv");
        var members = Enumerable.Range(0, 2000).ToList();
        EngineHarness.WriteCohort(cohort, members);
        var logsA = new CapturingLoggerProvider();
        var logsB = new CapturingLoggerProvider();
        await using var hostA = await EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, maxParallelActivities: 1, logs: logsA, durableStorage: true);
        await using var hostB = await EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, maxParallelActivities: 1, logs: logsB, durableStorage: true);
        await hostA.CreateWebhookSyncAsync("s1", cohort, batchSize: 100);

        // Act
        var run = await hostA.RunAsync("s1");

        // Assert: both processes sent batches, and together every batch exactly once.
        static int Sent(CapturingLoggerProvider logs, string runId) =>
            logs.Lines.Count(l => l.Contains($"Run {runId} batch ", StringComparison.Ordinal) && l.Contains(" sent: ", StringComparison.Ordinal));
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(24, run.Plan!.BatchCount); // 20 batches of 100 evened out to three waves of 8 sends
        var (sentA, sentB) = (Sent(logsA, run.RunId), Sent(logsB, run.RunId));
        Assert.True(sentA > 0 && sentB > 0, $"host A sent {sentA} batches, host B {sentB}");
        Assert.Equal(24, sentA + sentB);
        Assert.Equal(EngineHarness.Keys(members), Sandbox.Webhook.Members("s1"));
        Assert.All(Sandbox.Webhook.Deliveries.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Run_ActivityOutlastingTheQueueVisibilityTimeout_RunsOnceBecauseItsLockIsRenewed()
    {
        // Arrange: one batch; the sandbox holds its request while the engine's lock on the activity is renewed more than
        // over the work-item queue's visibility timeout (6 s in the harness, renewed every 2 s). A second host shares the
        // task hub: without renewal the message would reappear and that host would send the batch a second time while the
        // first send still waits.
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 100));
        await using var host = await Harness(durableStorage: true);
        await using var rival = await Harness(durableStorage: true);
        await host.CreateWebhookSyncAsync("s1", cohort, batchSize: 100);
        // Either host may take the activity: count the renewals of both.
        var sidecars = new[] { host, rival }.Select(h => h.Services.GetRequiredService<CohortSync.LocalHost.Engine.DurableTaskSidecar>()).ToList();
        int Renewals() => sidecars.Sum(s => s.Service!.Renewals);
        Sandbox.Webhook.Faults.HoldAfter(0);
        RunRecord run;
        int renewals;
        try
        {
            var start = await host.Runs.StartAsync("s1", RunMode.Incremental);
            await Eventually.UntilAsync(
                () => Sandbox.Webhook.Faults.Seen >= 1 && Renewals() >= 5, TimeSpan.FromSeconds(40), "the held send and five lock renewals");
            renewals = Renewals();
            var seenWhileHeld = Sandbox.Webhook.Faults.Seen;

            // Act
            Sandbox.Webhook.Faults.Release();
            await host.Engine.WaitAsync(start.Run.RunId).WaitAsync(TimeSpan.FromMinutes(1));
            run = (await host.Store.GetRunAsync(start.Run.RunId))!.Value;
            Assert.Equal(1, seenWhileHeld);
        }
        finally
        {
            Sandbox.Webhook.Faults.Release();
        }

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.InRange(renewals, 5, int.MaxValue);
        Assert.Equal(1, Sandbox.Webhook.Requests);
        Assert.All(Sandbox.Webhook.Deliveries.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Run_IdentifierFieldThatIsNotAColumn_FailsNamingItAndSendsNothing()
    {
        // Arrange: the file's column is user_id; the sync reads "userid".
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 50));
        var destination = new DestinationDefinition
        {
            Id = "s1-hook",
            Name = "sandbox webhook",
            Type = "webhook",
            Settings = new Dictionary<string, string> { ["url"] = new Uri(Sandbox.BaseAddress, "webhook").ToString() },
            SecretName = EngineHarness.WebhookSecretName,
        };
        await host.CreateSyncAsync("s1", destination, cohort, [new Core.Identity.IdentifierMapping("userid", Core.Identity.KeyKind.UserId)]);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("no column 'userid'", run.Error, StringComparison.Ordinal);
        Assert.Contains("its columns are: user_id, email", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("user-1", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, Sandbox.Webhook.Requests);
    }

    [Fact]
    public async Task Start_TwentyConcurrentStartsOfOneSync_MakeOneRun()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 300));

        // Act
        var starts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => host.Runs.StartAsync("s1", RunMode.Incremental))));
        await host.Engine.WaitAsync(starts.Single(s => s.Started).Run.RunId);

        // Assert
        Assert.Single(starts, s => s.Started);
        Assert.Single(starts.Select(s => s.Run.RunId).Distinct());
        Assert.Single(await host.Store.ListRunsAsync("s1", 100));
        Assert.Equal(1, Sandbox.Webhook.Requests);
    }

    [Fact]
    public async Task Run_RemovalsOverGuardrail_SendNothingUntilApproved()
    {
        // Arrange: a baseline of 2,000, then a cohort that drops half of it.
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 2000));
        await host.RunAsync("s1");
        var requestsBefore = Sandbox.Webhook.Requests;
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 1000));

        // Act
        var start = await host.Runs.StartAsync("s1", RunMode.Incremental);
        var held = await host.WaitForStatusAsync(start.Run.RunId, RunStatus.AwaitingApproval);
        var requestsWhileHeld = Sandbox.Webhook.Requests;
        await host.Runs.DecideAsync(start.Run.RunId, approve: true, "test");
        await host.Engine.WaitAsync(start.Run.RunId);
        var done = (await host.Store.GetRunAsync(start.Run.RunId))!.Value;

        // Assert
        Assert.True(held.Plan!.Guarded);
        Assert.Equal(1000, held.Plan.Removes);
        Assert.Equal(requestsBefore, requestsWhileHeld);
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 1000)), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_GuardedAndRejected_SendsNothingAndKeepsTheBaseline()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 2000));
        await host.RunAsync("s1");
        var requestsBefore = Sandbox.Webhook.Requests;
        EngineHarness.WriteCohort(cohort, []);

        // Act
        var start = await host.Runs.StartAsync("s1", RunMode.Incremental);
        await host.WaitForStatusAsync(start.Run.RunId, RunStatus.AwaitingApproval);
        await host.Runs.DecideAsync(start.Run.RunId, approve: false, "test");
        await host.Engine.WaitAsync(start.Run.RunId);

        // Assert
        Assert.Equal(RunStatus.Rejected, (await host.Store.GetRunAsync(start.Run.RunId))!.Value.Status);
        Assert.Equal(requestsBefore, Sandbox.Webhook.Requests);
        Assert.Equal(2000, (await host.Baselines.LoadAsync("s1")).Count);
        Assert.Null((await host.Store.GetSyncStateAsync("s1"))!.Value.ActiveRunId);
    }

    [Fact]
    public async Task Run_DryRun_ReportsTheChangeAndChangesNothing()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 500));
        await host.RunAsync("s1");
        var requestsBefore = Sandbox.Webhook.Requests;
        EngineHarness.WriteCohort(cohort, Enumerable.Range(50, 500));

        // Act
        var dry = await host.RunAsync("s1", RunMode.DryRun);

        // Assert
        Assert.Equal(RunStatus.DryRunCompleted, dry.Status);
        Assert.Equal((50, 50), (dry.Plan!.Adds, dry.Plan.Removes));
        Assert.Equal(0, dry.Plan.BatchCount);
        Assert.Equal(requestsBefore, Sandbox.Webhook.Requests);
        Assert.Empty(await host.Store.ListBatchesAsync(dry.RunId));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 500)), (await host.Baselines.LoadAsync("s1")).Enumerate().Select(e => "userId:" + e.Key[3..]).ToHashSet());
    }

    [Fact]
    public async Task Run_MalformedSource_FailsNamingLineAndColumnAndWritesNothing()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 100));
        await host.RunAsync("s1");
        var requestsBefore = Sandbox.Webhook.Requests;
        File.WriteAllText(cohort, "user_id,email\nuser-1,a@example.com\nuser-2,b@example.com,extra\n");

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("line 3, column 3", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("user-2", run.Error, StringComparison.Ordinal);
        Assert.Null(run.Plan);
        Assert.Empty(await host.Store.ListBatchesAsync(run.RunId));
        Assert.Equal(requestsBefore, Sandbox.Webhook.Requests);
        Assert.Equal(100, (await host.Baselines.LoadAsync("s1")).Count);
    }

    [Fact]
    public async Task Run_ReceiverRefusesSomeMembers_CompletesWithRejectionsCountedByReasonAndKeepsThemOutOfTheBaseline()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 200), extraIds: ["reject-me-1", "reject-me-2", "reject-me-3"]);
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert: every batch settled, so nothing is pending and the source version is recorded (the refused members
        // would be refused again); the status says some were refused.
        Assert.Equal(RunStatus.CompletedWithRejections, run.Status);
        Assert.Null(run.Error);
        Assert.Equal((200, 3, 0), (run.Outcome!.Accepted, run.Outcome.Rejected, run.Outcome.FailedBatches));
        Assert.Equal(3, run.Outcome.RejectReasons["webhook: id refused by the receiver"]);
        Assert.Equal(200, run.Outcome.BaselineAfter);
        var state = (await host.Store.GetSyncStateAsync("s1"))!.Value;
        Assert.Equal((RunStatus.CompletedWithRejections, true), (state.LastRunStatus, state.SourceVersion is not null));
    }

    [Fact]
    public async Task Run_EveryBatchFailsForGood_FailsWithMembersPendingAndTheNextRunDeliversThem()
    {
        // Arrange: the receiver refuses every request of the first run with a 400.
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 250), batchSize: 100);
        Sandbox.Webhook.Faults.FailNext(3, HttpStatusCode.BadRequest);

        // Act
        var failed = await host.RunAsync("s1");
        var retried = await host.RunAsync("s1");

        // Assert: nothing landed, so the run failed; its outcome still counts what is pending.
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal((250, 3, 0), (failed.Outcome!.Failed, failed.Outcome.FailedBatches, failed.Outcome.BaselineAfter));
        Assert.Equal("3 batch(es) failed after retries; 250 of their changes did not settle and are sent again by the next run", failed.Error);
        Assert.Equal(RunStatus.Completed, retried.Status);
        Assert.Equal(250, retried.Plan!.Adds);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 250)), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_SomeBatchesFailForGood_IsPartlyFailedAndTheNextRunSendsOnlyWhatIsPending()
    {
        // Arrange: three batches; the receiver refuses the first request with a 400 (not retried), so one batch fails.
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 300), batchSize: 100);
        Sandbox.Webhook.Faults.FailNext(1, HttpStatusCode.BadRequest);

        // Act
        var partly = await host.RunAsync("s1");
        var state = (await host.Store.GetSyncStateAsync("s1"))!.Value;
        var retried = await host.RunAsync("s1");

        // Assert: the run says some changes landed and some are pending; the source version is forgotten so that a
        // scheduled slot runs again, and the next run sends exactly what was pending.
        Assert.Equal(RunStatus.PartlyFailed, partly.Status);
        Assert.Equal((200, 100, 1, 0), (partly.Outcome!.Accepted, partly.Outcome.Failed, partly.Outcome.FailedBatches, partly.Outcome.Rejected));
        Assert.Equal(200, partly.Outcome.BaselineAfter);
        Assert.Contains("1 batch(es) failed after retries", partly.Error, StringComparison.Ordinal);
        Assert.Equal((RunStatus.PartlyFailed, null), (state.LastRunStatus, state.SourceVersion));
        Assert.Equal((RunStatus.Completed, 100), (retried.Status, retried.Plan!.Adds));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 300)), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_SomeBatchesFail_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: three batches of 100; the receiver takes one and refuses every later request of the run.
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 300), batchSize: 100);
        Sandbox.Webhook.Faults.FailAfter("/webhook", 1, HttpStatusCode.BadRequest);

        // Act: the failed run; then 20 members who landed and 20 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync("s1");
        var landed = Sandbox.Webhook.Members("s1");
        Sandbox.Webhook.Faults.Reset();
        var leavers = landed.Take(20).Concat(EngineHarness.Keys(Enumerable.Range(0, 300)).Except(landed).Take(20)).ToHashSet();
        var remaining = Enumerable.Range(0, 300).Where(i => !leavers.Contains($"userId:user-{i}")).ToList();
        EngineHarness.WriteCohort(cohort, remaining);
        var clean = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.PartlyFailed, failed.Status);
        Assert.Equal(RunStatus.Completed, clean.Status);
        Assert.Equal(100, landed.Count);
        Assert.Equal((100, 200, 2), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((100, 200), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(EngineHarness.Keys(remaining), Sandbox.Webhook.Members("s1"));
        Assert.Equal((260, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }

    [Fact]
    public async Task Run_TransientFaults_AreRetriedWithoutLoss()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 500), batchSize: 100);
        Sandbox.Webhook.Faults.FailNext(2, HttpStatusCode.TooManyRequests);
        Sandbox.Webhook.Faults.FailNext(1, HttpStatusCode.ServiceUnavailable);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Null(run.Error);
        Assert.Equal(5 + 3, Sandbox.Webhook.Requests); // 500 in 5 batches of 100 (fewer than the 8 sends), plus the 3 faulted tries
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 500)), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_WrongSigningSecret_FailsTheBatchesAndTheReceiverSeesBadSignatures()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 10));
        Sandbox.Webhook.Secret = "rotated-elsewhere";

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(1, run.Outcome!.FailedBatches);
        Assert.Equal(0, run.Outcome.BaselineAfter);
        Assert.Equal(2, Sandbox.Webhook.BadSignatures);
        Assert.Empty(Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_SmallChangeOnLargeBaseline_StoresOnlyTheChange()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 20_000), batchSize: 5000);
        await host.RunAsync("s1");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(100, 20_000));

        // Act
        var run = await host.RunAsync("s1");
        var manifest = (await host.Snapshots.GetManifestAsync("s1"))!.Value;

        // Assert
        Assert.Equal(200, run.Outcome!.Accepted);
        Assert.Equal(20_000, manifest.Base!.Records);
        Assert.Equal(200, Assert.Single(manifest.Deltas).Records);
        Assert.Equal(20_000, manifest.MemberCount);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(100, 20_000)), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Tick_TwiceForADueSync_StartsExactlyOneRun()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 10), cadence: "hourly");
        var now = DateTimeOffset.UtcNow.AddSeconds(1);

        // Act
        var first = await host.Scheduler.TickAsync(now);
        var second = await host.Scheduler.TickAsync(now);
        await host.Engine.WaitAsync(Assert.Single(first).RunId);
        var third = await host.Scheduler.TickAsync(now);

        // Assert
        Assert.Empty(second);
        Assert.Empty(third);
        Assert.Single(await host.Store.ListRunsAsync("s1", 10));
    }

    [Fact]
    public async Task Tick_RunLeftPendingWithoutAWorkflow_IsStartedAgainAndCompletes()
    {
        // Arrange: a run whose record was written but whose workflow never started (a crash in between).
        await using var host = await Harness();
        var cohort = await CreateSyncAsync(host, Enumerable.Range(0, 40));
        var created = DateTimeOffset.UtcNow.AddMinutes(-10);
        var runId = RunIds.ForManual("s1", created, 1);
        await host.Store.SaveSyncStateAsync(new Core.Ports.SyncState { SyncId = "s1", ActiveRunId = runId }, null);
        await host.Store.SaveRunAsync(new RunRecord { RunId = runId, SyncId = "s1", Trigger = "manual", Status = RunStatus.Pending, CreatedAt = created, UpdatedAt = created }, null);

        // Act
        await host.Scheduler.TickAsync(DateTimeOffset.UtcNow);
        await host.Engine.WaitAsync(runId);

        // Assert
        Assert.Equal(RunStatus.Completed, (await host.Store.GetRunAsync(runId))!.Value.Status);
        Assert.Equal(40, Sandbox.Webhook.Members("s1").Count);
    }

    // Writes the cohort file and defines sync "s1" of it to the sandbox webhook; returns the file, to change between runs.
    private async Task<string> CreateSyncAsync(EngineHarness host, IEnumerable<int> members, int batchSize = 1000, GuardrailSettings? guardrail = null, string cadence = "manual")
    {
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, members);
        await host.CreateWebhookSyncAsync("s1", cohort, batchSize, guardrail, cadence);
        return cohort;
    }

    private Task<EngineHarness> Harness(int maxParallelActivities = 8, bool durableStorage = false) =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, maxParallelActivities, durableStorage: durableStorage);
}
