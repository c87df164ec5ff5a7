using System.Diagnostics.CodeAnalysis;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// A Braze REST endpoint cluster (<c>US-01</c> … <c>US-08</c>, <c>US-10</c>, <c>EU-01</c>, <c>EU-02</c>, <c>AU-01</c>,
/// <c>ID-01</c>, <c>JP-01</c>, <c>KR-01</c>), its REST host, and which partner key it takes in partner mode.
/// </summary>
/// <param name="Name">The canonical name, e.g. <c>US-03</c>.</param>
/// <param name="Host">The REST endpoint, e.g. <c>https://rest.iad-03.braze.com</c>.</param>
/// <param name="KeyRegion">Which partner key is valid there.</param>
public sealed record BrazeCluster(string Name, string Host, BrazeKeyRegion KeyRegion)
{
    private static readonly Dictionary<string, BrazeCluster> Known = Build().ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every known cluster, in documentation order.</summary>
    public static IReadOnlyCollection<BrazeCluster> All => Known.Values;

    /// <summary>The cluster names, for error messages.</summary>
    public static string Names => string.Join(", ", Known.Keys);

    /// <summary>Parses a cluster name: case-insensitive, with or without the dash (<c>us-03</c>, <c>US03</c>).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out BrazeCluster? cluster)
    {
        cluster = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var name = text.Trim();
        if (name.Length == 4 && !name.Contains('-', StringComparison.Ordinal))
        {
            name = name[..2] + "-" + name[2..];
        }

        return Known.TryGetValue(name, out cluster);
    }

    // Hosts: Braze's "API and SDK endpoints" table (BZ-EP). Partner keys: BZ-CI says one key for every US cluster and one
    // for the EU cluster(s); it names no other region, so AU-01, ID-01, JP-01 and KR-01 take the US key, as Segment's
    // production client decides (the EU key only when the endpoint contains "eu"): an inference, UNVERIFIED.
    private static IEnumerable<BrazeCluster> Build()
    {
        for (var n = 1; n <= 8; n++)
        {
            yield return new BrazeCluster($"US-0{n}", $"https://rest.iad-0{n}.braze.com", BrazeKeyRegion.Us);
        }

        yield return new BrazeCluster("US-10", "https://rest.us-10.braze.com", BrazeKeyRegion.Us);
        yield return new BrazeCluster("EU-01", "https://rest.fra-01.braze.eu", BrazeKeyRegion.Eu);
        yield return new BrazeCluster("EU-02", "https://rest.fra-02.braze.eu", BrazeKeyRegion.Eu);
        yield return new BrazeCluster("AU-01", "https://rest.au-01.braze.com", BrazeKeyRegion.Us);
        yield return new BrazeCluster("ID-01", "https://rest.id-01.braze.com", BrazeKeyRegion.Us);
        yield return new BrazeCluster("JP-01", "https://rest.jp-01.braze.com", BrazeKeyRegion.Us);
        yield return new BrazeCluster("KR-01", "https://rest.kr-01.braze.com", BrazeKeyRegion.Us);
    }
}
