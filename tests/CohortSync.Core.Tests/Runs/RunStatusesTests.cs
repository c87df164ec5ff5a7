using CohortSync.Core.Runs;

namespace CohortSync.Core.Tests.Runs;

public sealed class RunStatusesTests
{
    [Fact]
    public void Of_EveryChangeAccepted_IsCompleted()
    {
        Assert.Equal(RunStatus.Completed, RunStatuses.Of(new RunOutcome { Accepted = 1000, BaselineAfter = 1000 }));
    }

    [Fact]
    public void Of_NothingToSend_IsCompleted()
    {
        Assert.Equal(RunStatus.Completed, RunStatuses.Of(new RunOutcome { BaselineAfter = 40 }));
    }

    [Fact]
    public void Of_EveryBatchSettledSomeMembersRefused_IsCompletedWithRejections()
    {
        var outcome = new RunOutcome { Accepted = 988, Rejected = 12, RejectReasons = new Dictionary<string, int> { ["invalid email"] = 12 } };

        Assert.Equal(RunStatus.CompletedWithRejections, RunStatuses.Of(outcome));
    }

    [Fact]
    public void Of_EveryBatchSettledEveryMemberRefused_IsCompletedWithRejections()
    {
        Assert.Equal(RunStatus.CompletedWithRejections, RunStatuses.Of(new RunOutcome { Rejected = 20 }));
    }

    [Fact]
    public void Of_SomeBatchesFailedSomeChangesAccepted_IsPartlyFailed()
    {
        Assert.Equal(RunStatus.PartlyFailed, RunStatuses.Of(new RunOutcome { Accepted = 8000, Failed = 2000, FailedBatches = 2 }));
    }

    [Fact]
    public void Of_SomeBatchesFailedOthersAcceptedWithRejections_IsPartlyFailed()
    {
        Assert.Equal(RunStatus.PartlyFailed, RunStatuses.Of(new RunOutcome { Accepted = 90, Rejected = 10, Failed = 100, FailedBatches = 1 }));
    }

    [Fact]
    public void Of_EveryBatchFailed_IsFailed()
    {
        Assert.Equal(RunStatus.Failed, RunStatuses.Of(new RunOutcome { Failed = 250, FailedBatches = 3 }));
    }

    [Fact]
    public void Of_BatchesFailedAndTheRestRefusedEveryMember_IsFailedBecauseNothingLanded()
    {
        Assert.Equal(RunStatus.Failed, RunStatuses.Of(new RunOutcome { Rejected = 5, Failed = 100, FailedBatches = 1 }));
    }

    [Theory]
    [InlineData(RunStatus.Completed, true)]
    [InlineData(RunStatus.CompletedWithRejections, true)]
    [InlineData(RunStatus.PartlyFailed, true)]
    [InlineData(RunStatus.Failed, true)]
    [InlineData(RunStatus.DryRunCompleted, true)]
    [InlineData(RunStatus.Rejected, true)]
    [InlineData(RunStatus.Pending, false)]
    [InlineData(RunStatus.Sending, false)]
    [InlineData(RunStatus.AwaitingApproval, false)]
    public void IsTerminal_EachStatus_TellsWhetherTheRunCanChangeNoMore(RunStatus status, bool terminal)
    {
        Assert.Equal(terminal, status.IsTerminal());
    }

    [Fact]
    public void Describe_EveryStatus_HasItsOwnMeaning()
    {
        var meanings = Enum.GetValues<RunStatus>().Select(RunStatuses.Describe).ToList();

        Assert.Equal(meanings.Count, meanings.Distinct().Count());
        Assert.All(meanings, m => Assert.EndsWith(".", m, StringComparison.Ordinal));
    }
}
