using System.Buffers.Text;
using CohortSync.Bench;

namespace CohortSync.ScaleBench;

/// <summary>
/// Writes the cohort CSV files (the format of <see cref="CohortCsv"/>) fast: bytes formatted straight into a 1 MiB buffer,
/// no string per row, so the two 10,000,000-member files take seconds. Written once per size and shared by every child.
/// </summary>
public static class CohortFiles
{
    private static readonly byte[] Header = "\"\tuser_id\",\"\temail\"\n"u8.ToArray();
    private static readonly byte[] UserPrefix = "\tuser-"u8.ToArray();
    private static readonly byte[] EmailPrefix = ",\tu"u8.ToArray();
    private static readonly byte[] EmailSuffix = "@example.com\n"u8.ToArray();
    private static readonly System.Buffers.StandardFormat SevenDigits = new('D', 7);

    /// <summary>Writes the members to <paramref name="path"/>; returns the file's length.</summary>
    public static long Write(string path, IEnumerable<int> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var buffer = new byte[1 << 20];
        var at = 0;
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan))
        {
            Header.CopyTo(buffer, 0);
            at = Header.Length;
            foreach (var n in members)
            {
                if (at > buffer.Length - 128)
                {
                    file.Write(buffer, 0, at);
                    at = 0;
                }

                Put(buffer, ref at, UserPrefix);
                Utf8Formatter.TryFormat(n, buffer.AsSpan(at), out var written, SevenDigits);
                at += written;
                Put(buffer, ref at, EmailPrefix);
                Utf8Formatter.TryFormat(n, buffer.AsSpan(at), out written);
                at += written;
                Put(buffer, ref at, EmailSuffix);
            }

            file.Write(buffer, 0, at);
        }

        return new FileInfo(path).Length;
    }

    private static void Put(byte[] buffer, ref int at, byte[] bytes)
    {
        bytes.CopyTo(buffer, at);
        at += bytes.Length;
    }
}
