using CohortSync.Api.StatusPage;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;

namespace CohortSync.BrowserTests;

/// <summary>The next due slot the overview shows, from a sync's cadence and its last scheduled slot.</summary>
public sealed class SyncOverviewNextDueTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 1, 9, 15, 30, 250, TimeSpan.Zero);

    [Theory]
    // cadence, enabled, last slot (null: never), now, expected (null: none)
    [InlineData("manual", true, null, "2026-03-02T10:00:00Z", null)]
    [InlineData("daily", false, null, "2026-03-02T10:00:00Z", null)]
    [InlineData("daily", true, null, "2026-03-01T09:20:00Z", "2026-03-01T09:15:30Z")]
    [InlineData("daily", true, "2026-03-02T00:00:00Z", "2026-03-02T10:00:00Z", "2026-03-03T00:00:00Z")]
    [InlineData("hourly", true, "2026-03-02T07:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T09:00:00Z")]
    [InlineData("once", true, null, "2026-03-01T09:20:00Z", "2026-03-01T09:15:30Z")]
    [InlineData("once", true, "2026-03-01T09:15:30Z", "2026-03-02T10:00:00Z", null)]
    [InlineData("cron:0 30 6 * * 1", true, "2026-03-02T06:30:00Z", "2026-03-02T10:00:00Z", "2026-03-09T06:30:00Z")]
    public void NextDue_OfACadence_IsTheSlotDueNowOrTheNextOne(string cadence, bool enabled, string? lastSlot, string now, string? expected)
    {
        // Arrange
        var sync = new SyncDefinition
        {
            Id = "s1",
            Name = "s1",
            DestinationId = "d1",
            Source = new SourceDefinition("file", "/x.csv"),
            Identifiers = [],
            Cadence = cadence,
            Enabled = enabled,
            CreatedAt = Created,
        };
        var state = lastSlot is null ? null : new SyncState { SyncId = "s1", LastScheduledSlot = DateTimeOffset.Parse(lastSlot, System.Globalization.CultureInfo.InvariantCulture) };

        // Act
        var due = SyncOverviewApi.NextDue(sync, state, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        // Assert
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), due);
    }
}
