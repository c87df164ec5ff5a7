using CohortSync.Connectors.Amplitude;

namespace CohortSync.Connectors.Tests.Amplitude;

public sealed class AmplitudeClientTests
{
    [Theory]
    [InlineData(1_764_581_400d, "2025-12-01T09:30:00Z")] // seconds, as in Amplitude's public sample
    [InlineData(1_764_581_400_000d, "2025-12-01T09:30:00Z")] // milliseconds
    [InlineData(1_764_581_400.5d, "2025-12-01T09:30:00.5Z")] // fractional seconds
    [InlineData(99_999_999_999d, "5138-11-16T09:46:39Z")] // the largest number read as seconds
    [InlineData(100_000_000_000d, "1973-03-03T09:46:40Z")] // the smallest read as milliseconds
    public void FromEpoch_SecondsOrMilliseconds_ReadsTheSameInstant(double epoch, string expected)
    {
        // Act
        var time = AmplitudeClient.FromEpoch(epoch);

        // Assert
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
    }

    [Fact]
    public void FromEpoch_OutOfRange_IsMinValue()
    {
        // Act
        var time = AmplitudeClient.FromEpoch(1e300);

        // Assert
        Assert.Equal(DateTimeOffset.MinValue, time);
    }
}
