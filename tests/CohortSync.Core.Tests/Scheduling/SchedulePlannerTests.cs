using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Tests.Scheduling;

public sealed class SchedulePlannerTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 10, 10, 17, 23, 450, TimeSpan.Zero);
    private static readonly DateTimeOffset CreatedSlot = new(2026, 3, 10, 10, 17, 23, TimeSpan.Zero);

    [Fact]
    public void GetDue_ScheduledSyncThatNeverRan_DueAtItsCreationSlot()
    {
        // Arrange
        var sync = Sync("orders", "hourly");

        // Act
        var due = SchedulePlanner.GetDue([(sync, null)], Created.AddSeconds(5));

        // Assert
        var run = Assert.Single(due);
        Assert.Equal(new DueRun("orders", "orders.20260310T101723.s", CreatedSlot), run);
    }

    [Fact]
    public void GetDue_DueRuns_RunIdIsRunIdsForSlot()
    {
        // Arrange
        var sync = Sync("orders", "hourly");
        var state = new SyncState { SyncId = "orders", LastScheduledSlot = CreatedSlot };

        // Act
        var run = Assert.Single(SchedulePlanner.GetDue([(sync, state)], new DateTimeOffset(2026, 3, 10, 14, 5, 0, TimeSpan.Zero)));

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero), run.Slot);
        Assert.Equal(RunIds.ForSlot("orders", run.Slot), run.RunId);
        Assert.True(RunIds.IsValidRunId(run.RunId));
    }

    [Fact]
    public void GetDue_DisabledSync_Skipped()
    {
        // Arrange
        var sync = Sync("orders", "minute") with { Enabled = false };

        // Act
        var due = SchedulePlanner.GetDue([(sync, null)], Created.AddHours(1));

        // Assert
        Assert.Empty(due);
    }

    [Fact]
    public void GetDue_SyncWithActiveRun_Skipped()
    {
        // Arrange
        var sync = Sync("orders", "minute");
        var state = new SyncState { SyncId = "orders", ActiveRunId = "orders.20260310T101723.s", LastScheduledSlot = CreatedSlot };

        // Act
        var due = SchedulePlanner.GetDue([(sync, state)], Created.AddHours(1));

        // Assert
        Assert.Empty(due);
    }

    [Theory]
    [InlineData("manual")]
    [InlineData("not-a-cadence")]
    [InlineData("cron:* * * * *")]
    public void GetDue_ManualOrUnparsableCadence_Skipped(string cadence)
    {
        // Arrange
        var sync = Sync("orders", cadence);

        // Act
        var due = SchedulePlanner.GetDue([(sync, null)], Created.AddHours(1));

        // Assert
        Assert.Empty(due);
    }

    [Fact]
    public void GetDue_SameNowTwice_SameRunIds()
    {
        // Arrange
        var syncs = new (SyncDefinition, SyncState?)[]
        {
            (Sync("a", "minute"), new SyncState { SyncId = "a", LastScheduledSlot = CreatedSlot }),
            (Sync("b", "hourly"), null),
            (Sync("c", "cron:*/10 * * * * *"), new SyncState { SyncId = "c", LastScheduledSlot = CreatedSlot }),
        };
        var now = new DateTimeOffset(2026, 3, 10, 12, 34, 56, 789, TimeSpan.Zero);

        // Act
        var first = SchedulePlanner.GetDue(syncs, now);
        var second = SchedulePlanner.GetDue(syncs, now);

        // Assert
        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
        Assert.Equal(["a.20260310T123400.s", "b.20260310T101723.s", "c.20260310T123450.s"], first.Select(r => r.RunId));
    }

    [Fact]
    public void GetDue_LastScheduledSlotIsTheDueSlot_NothingNew()
    {
        // Arrange
        var sync = Sync("orders", "minute");
        var now = new DateTimeOffset(2026, 3, 10, 12, 34, 56, TimeSpan.Zero);
        var slot = Assert.Single(SchedulePlanner.GetDue([(sync, new SyncState { SyncId = "orders", LastScheduledSlot = CreatedSlot })], now)).Slot;
        var recorded = new SyncState { SyncId = "orders", LastScheduledSlot = slot };

        // Act
        var due = SchedulePlanner.GetDue([(sync, recorded)], now);

        // Assert
        Assert.Empty(due);
    }

    [Fact]
    public void GetDue_OnceSyncThatRan_NothingNew()
    {
        // Arrange
        var sync = Sync("orders", "once");
        var state = new SyncState { SyncId = "orders", LastScheduledSlot = CreatedSlot };

        // Act
        var due = SchedulePlanner.GetDue([(sync, state)], Created.AddDays(30));

        // Assert
        Assert.Empty(due);
    }

    [Fact]
    public void GetDue_ManySlotsMissed_OneRunForTheLatest()
    {
        // Arrange
        var sync = Sync("orders", "hourly");
        var state = new SyncState { SyncId = "orders", LastScheduledSlot = new DateTimeOffset(2026, 3, 11, 3, 0, 0, TimeSpan.Zero) };

        // Act
        var due = SchedulePlanner.GetDue([(sync, state)], new DateTimeOffset(2026, 3, 14, 9, 59, 59, TimeSpan.Zero));

        // Assert
        var run = Assert.Single(due);
        Assert.Equal(new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.Zero), run.Slot);
        Assert.Equal("orders.20260314T090000.s", run.RunId);
    }

    [Fact]
    public void GetDue_MixOfSyncs_ReturnsOnlyTheDueOnesInInputOrder()
    {
        // Arrange
        var now = new DateTimeOffset(2026, 3, 10, 11, 0, 30, TimeSpan.Zero);
        var syncs = new (SyncDefinition, SyncState?)[]
        {
            (Sync("disabled", "minute") with { Enabled = false }, null),
            (Sync("due-hourly", "hourly"), new SyncState { SyncId = "due-hourly", LastScheduledSlot = CreatedSlot }),
            (Sync("busy", "minute"), new SyncState { SyncId = "busy", ActiveRunId = "busy.20260310T101723.s" }),
            (Sync("manual", "manual"), null),
            (Sync("daily-not-yet", "daily"), new SyncState { SyncId = "daily-not-yet", LastScheduledSlot = CreatedSlot }),
            (Sync("new-once", "once"), null),
            (Sync("future", "minute") with { CreatedAt = now.AddMinutes(5) }, null),
        };

        // Act
        var due = SchedulePlanner.GetDue(syncs, now);

        // Assert
        Assert.Equal(["due-hourly", "new-once"], due.Select(r => r.SyncId));
    }

    private static SyncDefinition Sync(string id, string cadence) => new()
    {
        Id = id,
        Name = id,
        DestinationId = "dest",
        Source = new SourceDefinition("file", "/data/members.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Cadence = cadence,
        CreatedAt = Created,
    };
}
