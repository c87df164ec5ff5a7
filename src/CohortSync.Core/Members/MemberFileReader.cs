using System.Text;

namespace CohortSync.Core.Members;

/// <summary>
/// Opens member files, CSV or JSONL, as a <see cref="MemberReader"/>: one row at a time, the file never held in memory.
/// Malformed input throws <see cref="MalformedSourceException"/> naming the line and column.
/// </summary>
public static class MemberFileReader
{
    // Large reads keep the parser fed: the stream is read 1 MiB at a time.
    private const int BufferBytes = 1 << 20;

    /// <summary>Picks the format from a file name: <c>.jsonl</c>/<c>.ndjson</c> are JSON lines, anything else CSV.</summary>
    public static MemberFileFormat FormatOf(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".JSONL" or ".NDJSON" ? MemberFileFormat.JsonLines : MemberFileFormat.Csv;

    /// <summary>
    /// Opens a stream in the given format (UTF-8; a byte order mark is skipped). The reader owns the stream. A CSV's header
    /// row is read here, so a file without one fails at once.
    /// </summary>
    public static MemberReader Open(Stream stream, MemberFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: BufferBytes);
        return Open(text, format);
    }

    /// <summary>Opens text in the given format. The reader owns the text reader.</summary>
    public static MemberReader Open(TextReader reader, MemberFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return format == MemberFileFormat.Csv ? CsvMemberReader.Open(reader) : new JsonLinesMemberReader(reader);
    }

    /// <summary>Reads members from a stream in the given format, as records. The stream is disposed when the sequence ends.</summary>
    public static IEnumerable<MemberRecord> Read(Stream stream, MemberFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Records(() => Open(stream, format));
    }

    /// <summary>Reads CSV with a header row from text, as records. Values are cleaned with <see cref="ValueCleaner"/>.</summary>
    public static IEnumerable<MemberRecord> ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Records(() => Open(reader, MemberFileFormat.Csv));
    }

    /// <summary>Reads JSON lines, as records: each non-blank line an object of string, number or boolean values.</summary>
    public static IEnumerable<MemberRecord> ReadJsonLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Records(() => Open(reader, MemberFileFormat.JsonLines));
    }

    // Opens lazily, when enumeration starts, as a reader of records is expected to.
    private static IEnumerable<MemberRecord> Records(Func<MemberReader> open)
    {
        foreach (var record in open().Records())
        {
            yield return record;
        }
    }
}
