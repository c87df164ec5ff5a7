using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Tests.Sources;

public sealed class SourceVersionsTests
{
    private static readonly DateTimeOffset Computed = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private static readonly RunRecord Completed = new()
    {
        RunId = "orders.20260310T120000.s",
        SyncId = "orders",
        Trigger = "schedule",
        Status = RunStatus.Completed,
        SourceVersion = "file:100:1",
        SyncFingerprint = "fp",
        Outcome = new RunOutcome { Accepted = 10, BaselineAfter = 10 },
    };

    [Fact]
    public void AfterRun_CompletedWithNothingPending_RecordsTheRunsVersion()
    {
        Assert.Equal("file:100:1#fp", SourceVersions.AfterRun(Completed, "old"));
    }

    [Fact]
    public void AfterRun_PartlyFailed_ForgetsTheVersionSoTheNextSlotRetries()
    {
        var run = Completed with { Status = RunStatus.PartlyFailed, Outcome = new RunOutcome { Accepted = 5, Failed = 5, FailedBatches = 1 } };

        Assert.Null(SourceVersions.AfterRun(run, "old"));
    }

    [Fact]
    public void AfterRun_EveryBatchFailed_ForgetsTheVersionSoTheNextSlotRetries()
    {
        var run = Completed with { Status = RunStatus.Failed, Outcome = new RunOutcome { Failed = 10, FailedBatches = 2 } };

        Assert.Null(SourceVersions.AfterRun(run, "old"));
    }

    [Fact]
    public void AfterRun_CompletedWithRejections_RecordsTheRunsVersionBecauseTheRefusedWouldBeRefusedAgain()
    {
        var run = Completed with { Status = RunStatus.CompletedWithRejections, Outcome = new RunOutcome { Accepted = 8, Rejected = 2, BaselineAfter = 8 } };

        Assert.Equal("file:100:1#fp", SourceVersions.AfterRun(run, "old"));
    }

    [Fact]
    public void AfterRun_Failed_ForgetsTheVersion()
    {
        Assert.Null(SourceVersions.AfterRun(Completed with { Status = RunStatus.Failed, Outcome = null }, "old"));
    }

    [Theory]
    [InlineData(RunStatus.DryRunCompleted, RunMode.DryRun)]
    [InlineData(RunStatus.Rejected, RunMode.Incremental)]
    public void AfterRun_RunThatLeftTheBaselineAsItWas_KeepsTheVersion(RunStatus status, RunMode mode)
    {
        Assert.Equal("old", SourceVersions.AfterRun(Completed with { Status = status, Mode = mode }, "old"));
    }

    [Fact]
    public void AfterRun_ExportingSource_RecordsTheExportsComputationTime()
    {
        var run = Completed with { SourceVersion = null, Export = new ExportTicket(ExportState.Ready, "c1", ComputedAt: Computed) };

        Assert.Equal(SourceVersions.Of(SourceVersions.Computed(Computed), "fp"), SourceVersions.AfterRun(run, null));
    }

    [Fact]
    public void AfterRun_RunStartedWithoutAFingerprint_ForgetsTheVersion()
    {
        Assert.Null(SourceVersions.AfterRun(Completed with { SyncFingerprint = null }, "old"));
    }

    [Fact]
    public void Fingerprint_AnyEditOfTheSync_Changes()
    {
        var sync = new SyncDefinition
        {
            Id = "orders",
            Name = "Orders",
            DestinationId = "dest",
            Source = new SourceDefinition("file", "/data/orders.csv"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        };

        Assert.Equal(SourceVersions.Fingerprint(sync), SourceVersions.Fingerprint(sync with { }));
        Assert.NotEqual(SourceVersions.Fingerprint(sync), SourceVersions.Fingerprint(sync with { Source = new SourceDefinition("file", "/data/other.csv") }));
        Assert.NotEqual(SourceVersions.Fingerprint(sync), SourceVersions.Fingerprint(sync with { Identifiers = [new IdentifierMapping("email", KeyKind.Email)] }));
    }

    [Fact]
    public async Task FileSourceProbe_FileRewritten_GivesANewVersion()
    {
        var path = Path.GetTempFileName();
        try
        {
            var probe = new FileSourceProbe();
            var source = new SourceDefinition("file", path);
            await File.WriteAllTextAsync(path, "user_id\nu1\n");
            var first = await probe.GetVersionAsync(source, CancellationToken.None);
            var again = await probe.GetVersionAsync(source, CancellationToken.None);
            await File.WriteAllTextAsync(path, "user_id\nu1\nu2\n");
            var changed = await probe.GetVersionAsync(source, CancellationToken.None);

            Assert.NotNull(first);
            Assert.Equal(first, again);
            Assert.NotEqual(first, changed);
            Assert.Null(await probe.GetVersionAsync(new SourceDefinition("file", path + ".missing"), CancellationToken.None));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
