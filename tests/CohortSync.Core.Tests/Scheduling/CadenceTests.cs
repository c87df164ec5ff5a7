using System.Globalization;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Tests.Scheduling;

public sealed class CadenceTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 10, 10, 17, 23, 789, TimeSpan.Zero);
    private static readonly DateTimeOffset CreatedSlot = new(2026, 3, 10, 10, 17, 23, TimeSpan.Zero);

    [Theory]
    [InlineData("manual", Cadence.CadenceKind.Manual, "manual")]
    [InlineData(" MANUAL ", Cadence.CadenceKind.Manual, "manual")]
    [InlineData("once", Cadence.CadenceKind.Once, "once")]
    [InlineData("Once", Cadence.CadenceKind.Once, "once")]
    [InlineData("minute", Cadence.CadenceKind.Cron, "minute")]
    [InlineData("every-minute", Cadence.CadenceKind.Cron, "every-minute")]
    [InlineData("realtime", Cadence.CadenceKind.Cron, "realtime")]
    [InlineData("hourly", Cadence.CadenceKind.Cron, "hourly")]
    [InlineData("Daily", Cadence.CadenceKind.Cron, "daily")]
    [InlineData("cron:0 */5 * * * *", Cadence.CadenceKind.Cron, "cron:0 */5 * * * *")]
    [InlineData("CRON:  30 0 9 * * MON-FRI ", Cadence.CadenceKind.Cron, "cron:30 0 9 * * MON-FRI")]
    public void Parse_AcceptedCadence_ParsesKindAndText(string text, Cadence.CadenceKind kind, string expectedText)
    {
        // Arrange: the cadence text comes from the theory data.

        // Act
        var cadence = Cadence.Parse(text);

        // Assert
        Assert.Equal(kind, cadence.Kind);
        Assert.Equal(expectedText, cadence.Text);
    }

    [Theory]
    [InlineData("cron:*/5 * * * *")]
    [InlineData("cron:0 0 * * * * *")]
    [InlineData("cron:*")]
    public void Parse_CronWithoutSixFields_ThrowsSayingSixFields(string text)
    {
        // Arrange: the cadence text comes from the theory data.

        // Act
        var ex = Assert.Throws<FormatException>(() => Cadence.Parse(text));

        // Assert
        Assert.Contains("must have 6 fields", ex.Message, StringComparison.Ordinal);
        Assert.Contains("second minute hour day month day-of-week", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weekly")]
    [InlineData("every 5 minutes")]
    [InlineData("*/5 * * * * *")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Parse_UnknownCadence_ThrowsListingWhatIsAccepted(string? text)
    {
        // Arrange: the cadence text comes from the theory data.

        // Act
        var ex = Assert.Throws<FormatException>(() => Cadence.Parse(text));

        // Assert
        Assert.Contains("unknown cadence", ex.Message, StringComparison.Ordinal);
        Assert.Contains("manual, once, minute, hourly, daily", ex.Message, StringComparison.Ordinal);
        Assert.Contains("6-field", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cron:99 * * * * *")]
    [InlineData("cron:0 0 25 * * *")]
    [InlineData("cron:a b c d e f")]
    public void Parse_SixFieldsThatAreNotACron_ThrowsNotValid(string text)
    {
        // Arrange: the cadence text comes from the theory data.

        // Act
        var ex = Assert.Throws<FormatException>(() => Cadence.Parse(text));

        // Assert
        Assert.Contains("is not valid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VeryLongGarbage_MessageTruncatesTheInput()
    {
        // Arrange
        var text = new string('x', 500);

        // Act
        var ex = Assert.Throws<FormatException>(() => Cadence.Parse(text));

        // Assert
        Assert.DoesNotContain(new string('x', 65), ex.Message, StringComparison.Ordinal);
        Assert.Contains(new string('x', 64) + "...", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Garbage_ReturnsFalseWithError()
    {
        // Arrange
        const string Text = "fortnightly";

        // Act
        var ok = Cadence.TryParse(Text, out _, out var error);

        // Assert
        Assert.False(ok);
        Assert.Contains("'fortnightly'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DueSlot_Manual_NeverDue()
    {
        // Arrange
        var cadence = Cadence.Parse("manual");

        // Act
        var first = cadence.DueSlot(Created, null, Created.AddDays(3));
        var later = cadence.DueSlot(Created, CreatedSlot, Created.AddDays(3));

        // Assert
        Assert.Null(first);
        Assert.Null(later);
    }

    [Theory]
    [InlineData("once")]
    [InlineData("minute")]
    [InlineData("hourly")]
    [InlineData("daily")]
    [InlineData("cron:0 0 0 1 1 *")]
    public void DueSlot_NeverRan_FirstSlotIsCreationTimeTruncatedToTheSecond(string text)
    {
        // Arrange
        var cadence = Cadence.Parse(text);

        // Act
        var slot = cadence.DueSlot(Created, null, Created.AddMilliseconds(1));

        // Assert
        Assert.Equal(CreatedSlot, slot);
        Assert.Equal(TimeSpan.Zero, slot!.Value.Offset);
    }

    [Fact]
    public void DueSlot_CreationTimeWithOffset_FirstSlotInUtc()
    {
        // Arrange
        var cadence = Cadence.Parse("hourly");
        var created = new DateTimeOffset(2026, 3, 10, 12, 17, 23, 500, TimeSpan.FromHours(2));

        // Act
        var slot = cadence.DueSlot(created, null, created.AddSeconds(1));

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 10, 17, 23, TimeSpan.Zero), slot);
    }

    [Fact]
    public void DueSlot_NowBeforeCreation_NotDue()
    {
        // Arrange
        var cadence = Cadence.Parse("minute");

        // Act
        var slot = cadence.DueSlot(Created, null, Created.AddTicks(-1));

        // Assert
        Assert.Null(slot);
    }

    [Fact]
    public void DueSlot_OnceAfterItsRun_NeverDueAgain()
    {
        // Arrange
        var cadence = Cadence.Parse("once");

        // Act
        var soon = cadence.DueSlot(Created, CreatedSlot, Created.AddMinutes(1));
        var muchLater = cadence.DueSlot(Created, CreatedSlot, Created.AddDays(400));

        // Assert
        Assert.Null(soon);
        Assert.Null(muchLater);
    }

    [Theory]
    [InlineData("minute", "2026-03-10T10:17:59Z", null)]
    [InlineData("minute", "2026-03-10T10:18:00Z", "2026-03-10T10:18:00Z")]
    [InlineData("minute", "2026-03-10T10:18:59.999Z", "2026-03-10T10:18:00Z")]
    [InlineData("hourly", "2026-03-10T10:59:59.999Z", null)]
    [InlineData("hourly", "2026-03-10T11:00:00Z", "2026-03-10T11:00:00Z")]
    [InlineData("hourly", "2026-03-10T11:42:00Z", "2026-03-10T11:00:00Z")]
    [InlineData("daily", "2026-03-10T23:59:59Z", null)]
    [InlineData("daily", "2026-03-11T00:00:00Z", "2026-03-11T00:00:00Z")]
    [InlineData("daily", "2026-03-11T09:30:00+05:00", "2026-03-11T00:00:00Z")]
    [InlineData("daily", "2026-03-11T01:30:00+05:00", null)]
    [InlineData("cron:*/20 * * * * *", "2026-03-10T10:17:39Z", null)]
    [InlineData("cron:*/20 * * * * *", "2026-03-10T10:17:45Z", "2026-03-10T10:17:40Z")]
    public void DueSlot_AfterTheFirstSlot_LatestOccurrenceUpToNow(string text, string now, string? expected)
    {
        // Arrange
        var cadence = Cadence.Parse(text);

        // Act
        var slot = cadence.DueSlot(Created, CreatedSlot, DateTimeOffset.Parse(now, CultureInfo.InvariantCulture));

        // Assert
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), slot);
    }

    [Theory]
    [InlineData("minute", "2026-03-12T13:14:00Z")]
    [InlineData("hourly", "2026-03-12T13:00:00Z")]
    [InlineData("daily", "2026-03-12T00:00:00Z")]
    [InlineData("cron:*/7 * * * * *", "2026-03-12T13:14:14Z")]
    public void DueSlot_SameNowTwice_SameSlotAndThenNothingNew(string text, string expected)
    {
        // Arrange
        var cadence = Cadence.Parse(text);
        var lastSlot = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 3, 12, 13, 14, 15, 160, TimeSpan.Zero);

        // Act
        var first = cadence.DueSlot(Created, lastSlot, now);
        var second = cadence.DueSlot(Created, lastSlot, now);
        var afterRecording = cadence.DueSlot(Created, first, now);

        // Assert: the latest occurrence no later than now
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), first);
        Assert.Equal(first, second);
        Assert.Null(afterRecording);
    }

    [Theory]
    [InlineData("hourly", "2026-03-10T11:00:00Z", "2026-03-10T15:30:00Z", "2026-03-10T15:00:00Z")]
    [InlineData("minute", "2026-03-10T11:00:00Z", "2026-03-13T08:09:10Z", "2026-03-13T08:09:00Z")]
    [InlineData("daily", "2026-03-11T00:00:00Z", "2026-03-20T06:00:00Z", "2026-03-20T00:00:00Z")]
    [InlineData("daily", "2026-03-11T00:00:00Z", "2026-03-12T00:00:00.5Z", "2026-03-12T00:00:00Z")]
    [InlineData("cron:0 0 0 1 * *", "2026-01-01T00:00:00Z", "2026-03-15T12:00:00Z", "2026-03-01T00:00:00Z")]
    [InlineData("cron:0 0 0 1 1 *", "2025-01-01T00:00:00Z", "2026-12-31T23:59:59Z", "2026-01-01T00:00:00Z")]
    public void DueSlot_MissedSlots_CollapseToTheLatest(string text, string lastSlot, string now, string expected)
    {
        // Arrange
        var cadence = Cadence.Parse(text);
        var culture = CultureInfo.InvariantCulture;

        // Act
        var slot = cadence.DueSlot(Created.AddYears(-2), DateTimeOffset.Parse(lastSlot, culture), DateTimeOffset.Parse(now, culture));

        // Assert
        Assert.Equal(DateTimeOffset.Parse(expected, culture), slot);
    }

    [Fact]
    public void DueSlot_MonthlyCronWithNoOccurrenceSinceLastSlot_NotDue()
    {
        // Arrange
        var cadence = Cadence.Parse("cron:0 0 0 1 * *");
        var lastSlot = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

        // Act
        var slot = cadence.DueSlot(Created.AddYears(-1), lastSlot, new DateTimeOffset(2026, 3, 31, 23, 59, 59, TimeSpan.Zero));

        // Assert
        Assert.Null(slot);
    }
}
