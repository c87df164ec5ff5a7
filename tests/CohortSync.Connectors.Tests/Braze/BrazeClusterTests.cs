using CohortSync.Connectors.Braze;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeClusterTests
{
    [Theory]
    [InlineData("US-03", "US-03", "https://rest.iad-03.braze.com", BrazeKeyRegion.Us)]
    [InlineData("us-07", "US-07", "https://rest.iad-07.braze.com", BrazeKeyRegion.Us)]
    [InlineData("EU01", "EU-01", "https://rest.fra-01.braze.eu", BrazeKeyRegion.Eu)]
    [InlineData(" eu-02 ", "EU-02", "https://rest.fra-02.braze.eu", BrazeKeyRegion.Eu)]
    [InlineData("AU-01", "AU-01", "https://rest.au-01.braze.com", BrazeKeyRegion.Us)]
    [InlineData("US-10", "US-10", "https://rest.us-10.braze.com", BrazeKeyRegion.Us)]
    [InlineData("JP-01", "JP-01", "https://rest.jp-01.braze.com", BrazeKeyRegion.Us)]
    [InlineData("id01", "ID-01", "https://rest.id-01.braze.com", BrazeKeyRegion.Us)]
    [InlineData("kr-01", "KR-01", "https://rest.kr-01.braze.com", BrazeKeyRegion.Us)]
    public void TryParse_KnownCluster_ReturnsItsHostAndKeyRegion(string text, string name, string host, BrazeKeyRegion region)
    {
        // Act
        var parsed = BrazeCluster.TryParse(text, out var cluster);

        // Assert
        Assert.True(parsed);
        Assert.Equal(new BrazeCluster(name, host, region), cluster);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("US-09")]
    [InlineData("rest.iad-01.braze.com")]
    public void TryParse_UnknownCluster_ReturnsFalse(string? text)
    {
        // Act
        var parsed = BrazeCluster.TryParse(text, out var cluster);

        // Assert
        Assert.False(parsed);
        Assert.Null(cluster);
    }

    [Fact]
    public void All_DocumentedClusters_AreFifteenWithNineInTheUsAndTwoOnTheEuKey()
    {
        // Act
        var all = BrazeCluster.All;

        // Assert
        Assert.Equal(15, all.Count);
        Assert.Equal(9, all.Count(c => c.Name.StartsWith("US-", StringComparison.Ordinal)));
        Assert.Equal(["EU-01", "EU-02"], all.Where(c => c.KeyRegion == BrazeKeyRegion.Eu).Select(c => c.Name));
    }
}
