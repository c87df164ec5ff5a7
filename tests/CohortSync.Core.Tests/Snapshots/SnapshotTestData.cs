using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

/// <summary>Seeded generators shared by the snapshot tests.</summary>
internal static class SnapshotTestData
{
    /// <summary>A reference snapshot of <paramref name="count"/> distinct random keys, some with payloads, some without.</summary>
    public static Snapshot RandomSnapshot(Random random, int count)
    {
        var members = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (members.Count < count)
        {
            members.TryAdd("u::" + RandomToken(random, random.Next(1, 40)), RandomPayload(random));
        }

        return Snapshot.Of(members.Select(m => (m.Key, m.Value)));
    }

    /// <summary>Null, empty or a short random payload.</summary>
    public static string? RandomPayload(Random random) => random.Next(4) switch
    {
        0 => null,
        1 => string.Empty,
        _ => "email=" + RandomToken(random, random.Next(1, 24)) + "@example.com",
    };

    /// <summary>Random base64 text (a key deflate cannot shrink much).</summary>
    public static string RandomBase64(Random random, int bytes)
    {
        var buffer = new byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToBase64String(buffer);
    }

    /// <summary>A reference snapshot from keys and payloads (the first of duplicate keys wins, as in the builder).</summary>
    public static Snapshot Build(IEnumerable<(string Key, string? Payload)> members) => Snapshot.Of(members);

    private static string RandomToken(Random random, int length)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>The compact form planning diffs a stored baseline against, built from members.</summary>
    public static PackedSnapshot Packed(IEnumerable<(string Key, string? Payload)> members)
    {
        var builder = new SnapshotBuilder(16);
        foreach (var (key, payload) in members)
        {
            builder.Add(key, payload);
        }

        return builder.BuildPacked();
    }
}
