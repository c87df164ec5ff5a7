using System.Globalization;
using System.Text;

namespace CohortSync.Bench;

/// <summary>
/// Amplitude-style cohort CSV for the benchmarks: a header <c>"\tuser_id","\temail"</c> and tab-prefixed values
/// (<c>\tuser-0000123,\tu123@example.com</c>), as Amplitude's cohort export writes them.
/// </summary>
public static class CohortCsv
{
    /// <summary>The header row, with its line break.</summary>
    public const string Header = "\"\tuser_id\",\"\temail\"\n";

    /// <summary>The user id of member <paramref name="n"/>.</summary>
    public static string UserId(int n) => "user-" + n.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>The email of member <paramref name="n"/>.</summary>
    public static string Email(int n) => string.Create(CultureInfo.InvariantCulture, $"u{n}@example.com");

    /// <summary>Writes one row.</summary>
    public static void WriteRow(TextWriter writer, int n)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write('\t');
        writer.Write(UserId(n));
        writer.Write(",\t");
        writer.Write(Email(n));
        writer.Write('\n');
    }

    /// <summary>Writes a CSV file of the given members.</summary>
    /// <summary>
    /// Writes a plain cohort file of members 0..N-1 (<c>user-N,uN@example.com</c>, no tab prefix, no padding), the shape the
    /// delivery benchmarks sync: what matters there is the send, not the parse.
    /// </summary>
    public static void WritePlain(string path, int members)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        writer.Write("user_id,email\n");
        for (var i = 0; i < members; i++)
        {
            writer.Write("user-");
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write(",u");
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write("@example.com\n");
        }
    }

    public static long WriteFile(string path, IEnumerable<int> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 20))
        {
            writer.Write(Header);
            foreach (var n in members)
            {
                WriteRow(writer, n);
            }
        }

        return new FileInfo(path).Length;
    }

    /// <summary>The CSV text of the given members, as UTF-8 bytes (for in-memory parsing benchmarks).</summary>
    public static byte[] ToBytes(IEnumerable<int> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true))
        {
            writer.Write(Header);
            foreach (var n in members)
            {
                WriteRow(writer, n);
            }
        }

        return buffer.ToArray();
    }
}

/// <summary>
/// Two versions of a cohort: v1 is members 0..N-1; v2 drops <see cref="Removed"/> of them (picked with a seeded
/// <see cref="Random"/>) and adds as many new members N, N+1, ... at the end. Total change = churn x N.
/// </summary>
public sealed class ChurnPlan
{
    private readonly bool[] _removed;

    /// <summary>Plans the churn.</summary>
    public ChurnPlan(int members, double churn, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(members);
        ArgumentOutOfRangeException.ThrowIfNegative(churn);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(churn, 1.0);
        Members = members;
        var half = (int)Math.Round(churn / 2 * members, MidpointRounding.AwayFromZero);
        _removed = new bool[members];
        var random = new Random(seed);
        var picked = 0;
        while (picked < half)
        {
            var n = random.Next(members);
            if (!_removed[n])
            {
                _removed[n] = true;
                picked++;
            }
        }

        Removed = half;
        Added = half;
    }

    /// <summary>Members of v1.</summary>
    public int Members { get; }

    /// <summary>Members of v1 missing from v2.</summary>
    public int Removed { get; }

    /// <summary>Members of v2 not in v1.</summary>
    public int Added { get; }

    /// <summary>Adds plus removes.</summary>
    public int Changes => Removed + Added;

    /// <summary>Members of v2.</summary>
    public int MembersAfter => Members - Removed + Added;

    /// <summary>True when member <paramref name="n"/> of v1 is removed in v2.</summary>
    public bool IsRemoved(int n) => n < Members && _removed[n];

    /// <summary>The members of v1, in file order.</summary>
    public IEnumerable<int> V1()
    {
        for (var n = 0; n < Members; n++)
        {
            yield return n;
        }
    }

    /// <summary>The members of v2, in file order.</summary>
    public IEnumerable<int> V2()
    {
        for (var n = 0; n < Members; n++)
        {
            if (!_removed[n])
            {
                yield return n;
            }
        }

        for (var n = Members; n < Members + Added; n++)
        {
            yield return n;
        }
    }
}
