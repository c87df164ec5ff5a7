using CohortSync.Core.Runs;

namespace CohortSync.Core.Tests.Runs;

public sealed class RunIdsTests
{
    [Fact]
    public void ForSlot_Slot_EmbedsSyncIdAndUtcSecond()
    {
        // Arrange
        var slot = new DateTimeOffset(2026, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2));

        // Act
        var runId = RunIds.ForSlot("orders-eu", slot);

        // Assert
        Assert.Equal("orders-eu.20260102T030405.s", runId);
    }

    [Fact]
    public void ForSlot_SameSecondTwice_SameId()
    {
        // Arrange
        var slot = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        // Act
        var first = RunIds.ForSlot("orders", slot);
        var second = RunIds.ForSlot("orders", slot.AddMilliseconds(999));

        // Assert
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(0, "orders.20260102T030405678.m0000")]
    [InlineData(255, "orders.20260102T030405678.m00ff")]
    [InlineData(0xffff, "orders.20260102T030405678.mffff")]
    public void ForManual_TimeAndNonce_EmbedsMillisecondsAndHexNonce(int nonce, string expected)
    {
        // Arrange
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

        // Act
        var runId = RunIds.ForManual("orders", at, nonce);

        // Assert
        Assert.Equal(expected, runId);
        Assert.True(RunIds.IsValidRunId(runId));
    }

    [Theory]
    [InlineData("orders.20260102T030405.s", "orders")]
    [InlineData("a-1.20260102T030405678.m00ff", "a-1")]
    [InlineData("x.y.z", "x")]
    public void SyncIdOf_RunId_ReturnsThePartBeforeTheFirstDot(string runId, string expected)
    {
        // Arrange: the run id comes from the theory data.

        // Act
        var syncId = RunIds.SyncIdOf(runId);

        // Assert
        Assert.Equal(expected, syncId);
    }

    [Fact]
    public void SyncIdOf_GeneratedIds_RoundTripTheSyncId()
    {
        // Arrange
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        // Act
        var fromSlot = RunIds.SyncIdOf(RunIds.ForSlot("sync-7", at));
        var fromManual = RunIds.SyncIdOf(RunIds.ForManual("sync-7", at, 12));

        // Assert
        Assert.Equal("sync-7", fromSlot);
        Assert.Equal("sync-7", fromManual);
    }

    [Theory]
    [InlineData("")]
    [InlineData("orders")]
    [InlineData(".20260102T030405.s")]
    public void SyncIdOf_NotARunId_ThrowsFormatException(string runId)
    {
        // Arrange: the text comes from the theory data.

        // Act
        var ex = Record.Exception(() => RunIds.SyncIdOf(runId));

        // Assert
        Assert.IsType<FormatException>(ex);
    }

    [Theory]
    [InlineData("orders.20260102T030405.s")]
    [InlineData("orders.20260102T030405678.m00ff")]
    [InlineData("a.20260102T030405.s")]
    [InlineData("0-9.20260102T030405.mabcd")]
    public void IsValidRunId_WellFormed_True(string runId)
    {
        // Arrange: the run id comes from the theory data.

        // Act
        var valid = RunIds.IsValidRunId(runId);

        // Assert
        Assert.True(valid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("orders")]
    [InlineData("Orders.20260102T030405.s")]
    [InlineData("-orders.20260102T030405.s")]
    [InlineData("orders.2026010T030405.s")]
    [InlineData("orders.20260102T0304.s")]
    [InlineData("orders.20260102T030405.x")]
    [InlineData("orders.20260102T030405.m00f")]
    [InlineData("orders.20260102T030405.m00FF")]
    [InlineData("orders.20260102T030405.m10000")]
    [InlineData("orders.20260102T030405.s ")]
    [InlineData("orders.20260102T030405.s\n")]
    [InlineData("orders.20260102T030405.s\nx")]
    public void IsValidRunId_Malformed_False(string? runId)
    {
        // Arrange: the text comes from the theory data.

        // Act
        var valid = RunIds.IsValidRunId(runId);

        // Assert
        Assert.False(valid);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("orders-eu-2")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890bc")]
    public void IsValidEntityId_WellFormed_True(string id)
    {
        // Arrange: the id (63 characters at most) comes from the theory data.

        // Act
        var valid = RunIds.IsValidEntityId(id);

        // Assert
        Assert.True(valid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-orders")]
    [InlineData("Orders")]
    [InlineData("orders_eu")]
    [InlineData("orders.eu")]
    [InlineData("orders eu")]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901bc")]
    [InlineData("orders\n")]
    [InlineData("ordérs")]
    public void IsValidEntityId_Malformed_False(string? id)
    {
        // Arrange: the text comes from the theory data.

        // Act
        var valid = RunIds.IsValidEntityId(id);

        // Assert
        Assert.False(valid);
    }
}
