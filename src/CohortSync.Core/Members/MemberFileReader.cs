using System.Text;
using System.Text.Json;
using CsvHelper;

namespace CohortSync.Core.Members;

/// <summary>The format of a member file.</summary>
public enum MemberFileFormat
{
    /// <summary>Comma-separated values with a header row (Amplitude's cohort export format).</summary>
    Csv,

    /// <summary>One JSON object per line; every object's properties are columns.</summary>
    JsonLines,
}

/// <summary>
/// Streams members from CSV or JSONL. Reads one record at a time: the file is never held in memory.
/// Malformed input throws <see cref="MalformedSourceException"/> naming the line and column.
/// </summary>
public static class MemberFileReader
{
    /// <summary>Picks the format from a file name: <c>.jsonl</c>/<c>.ndjson</c> are JSON lines, anything else CSV.</summary>
    public static MemberFileFormat FormatOf(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".JSONL" or ".NDJSON" ? MemberFileFormat.JsonLines : MemberFileFormat.Csv;

    /// <summary>Reads members from a stream in the given format. The stream is disposed when the sequence ends.</summary>
    public static IEnumerable<MemberRecord> Read(Stream stream, MemberFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return format == MemberFileFormat.Csv
            ? ReadCsv(malformed => CsvReader.Create(stream, CsvOptions(malformed), leaveOpen: false))
            : ReadJsonLines(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16));
    }

    /// <summary>Reads CSV with a header row from text. Values are cleaned with <see cref="ValueCleaner"/>.</summary>
    public static IEnumerable<MemberRecord> ReadCsv(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadCsv(malformed => CsvReader.Create(reader, CsvOptions(malformed), leaveOpen: false));
    }

    private static CsvReaderOptions CsvOptions(Action<CsvMalformedRecord> onMalformed) => new()
    {
        Separator = ',',
        HasHeader = true,
        Mode = CsvMode.Rfc4180,
        // Skip hands every malformed record to the callback, which fails the read with the line and column.
        MalformedData = CsvMalformedDataHandling.Skip,
        FieldCountMismatch = CsvFieldCountHandling.Skip,
        OnMalformedRecord = onMalformed,
        TrackLineNumbers = true,
        // Values are member identifiers: keep them out of exception messages.
        IncludeValuesInExceptions = false,
        MaxRecordSize = MaxRecordBytes,

        // Amplitude prefixes every value with a tab, also one that then needs quotes ("\t\"a,b\""): with trimming on,
        // a quote after leading whitespace still opens a quoted field instead of being a stray quote.
        TrimWhitespace = true,
    };

    /// <summary>The longest CSV record accepted (16 MiB): a guard against an unclosed quote swallowing the file.</summary>
    public const int MaxRecordBytes = 16 * 1024 * 1024;

    // CsvHelper 34 reads UTF-8 bytes with SIMD and reports malformed records through a callback; the callback keeps the
    // record so the exception can name its line and the column where the fault is.
    private static IEnumerable<MemberRecord> ReadCsv(Func<Action<CsvMalformedRecord>, CsvReader> open)
    {
        MemberSchema? schema = null;
        CsvReader? reader = null;
        using var csv = reader = open(m => throw Describe(null, m, schema ?? HeaderSchema(reader!)));
        while (true)
        {
            bool more;
            try
            {
                more = csv.Read();
                schema ??= HeaderSchema(csv);
            }
            catch (CsvFormatException ex)
            {
                throw Describe(ex, null, schema);
            }

            if (!more)
            {
                break;
            }

            var count = csv.FieldCount;
            var values = new string?[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = ValueCleaner.Clean(csv.GetString(i));
            }

            yield return new MemberRecord(schema, values, csv.LineNumber);
        }

        if (schema is null || schema.Columns.Count == 0)
        {
            throw new MalformedSourceException(1, 1, "the file has no header row");
        }
    }

    private static MemberSchema HeaderSchema(CsvReader csv)
    {
        var headers = csv.Headers;
        var columns = new string[headers.Count];
        for (var i = 0; i < headers.Count; i++)
        {
            columns[i] = ValueCleaner.Clean(headers[i]) ?? throw new MalformedSourceException(1, i + 1, "empty column name in the header");
        }

        return new MemberSchema(columns);
    }

    private static MalformedSourceException Describe(CsvFormatException? ex, CsvMalformedRecord? malformed, MemberSchema? schema)
    {
        if (malformed is not { } record)
        {
            return new MalformedSourceException(Math.Max(1, ex?.LineNumber ?? 1), Math.Max(1, (ex?.FieldIndex ?? 0) + 1), "unreadable record", ex);
        }

        var line = Math.Max(1, record.LineNumber);

        var raw = Encoding.UTF8.GetBytes(record.RawRecord ?? string.Empty).AsSpan();
        var fields = CountFields(raw, out var faultField);
        return record.Reason switch
        {
            CsvMalformedReason.FieldCountMismatch => new MalformedSourceException(
                line,
                Math.Min(fields, schema?.Columns.Count ?? fields) + 1,
                $"expected {schema?.Columns.Count} fields as in the header, found {fields}",
                ex),
            CsvMalformedReason.UnterminatedQuote => new MalformedSourceException(line, faultField, "a quoted field is never closed", ex),
            CsvMalformedReason.StrayQuote => new MalformedSourceException(line, faultField, "a quote inside an unquoted field", ex),
            CsvMalformedReason.TextAfterClosingQuote => new MalformedSourceException(line, faultField, "text after the closing quote of a field", ex),
            _ => new MalformedSourceException(line, faultField, "malformed quoting (" + record.Reason + ")", ex),
        };
    }

    // Counts the fields of a raw record and finds the first (1-based) whose quoting is wrong.
    private static int CountFields(ReadOnlySpan<byte> raw, out int faultField)
    {
        faultField = 0;
        int field = 1, i = 0;
        while (i <= raw.Length)
        {
            if (i < raw.Length && raw[i] == (byte)'"')
            {
                i++;
                var closed = false;
                while (i < raw.Length)
                {
                    if (raw[i] == (byte)'"')
                    {
                        if (i + 1 < raw.Length && raw[i + 1] == (byte)'"')
                        {
                            i += 2;
                            continue;
                        }

                        closed = true;
                        i++;
                        break;
                    }

                    i++;
                }

                if ((!closed || (i < raw.Length && raw[i] != (byte)',')) && faultField == 0)
                {
                    faultField = field;
                }
            }

            while (i < raw.Length && raw[i] != (byte)',')
            {
                if (raw[i] == (byte)'"' && faultField == 0)
                {
                    faultField = field;
                }

                i++;
            }

            if (i >= raw.Length)
            {
                break;
            }

            i++;
            field++;
        }

        if (faultField == 0)
        {
            faultField = field;
        }

        return field;
    }

    /// <summary>Reads JSON lines: each non-blank line an object of string, number or boolean values.</summary>
    public static IEnumerable<MemberRecord> ReadJsonLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        using (reader)
        {
            var columns = new List<string>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            MemberSchema? schema = null;
            long lineNumber = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var values = ParseJsonLine(line, lineNumber, columns, index, ref schema);
                yield return new MemberRecord(schema!, values, lineNumber);
            }
        }
    }

    // The reader reports byte offsets; people count characters.
    private static long CharColumn(byte[] bytes, long byteOffset) =>
        Encoding.UTF8.GetCharCount(bytes, 0, (int)Math.Clamp(byteOffset, 0, bytes.Length)) + 1;

    private static string?[] ParseJsonLine(
        string line, long lineNumber, List<string> columns, Dictionary<string, int> index, ref MemberSchema? schema)
    {
        var pairs = new List<(int Index, string? Value)>();
        var bytes = Encoding.UTF8.GetBytes(line);
        try
        {
            var json = new Utf8JsonReader(bytes);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                throw new MalformedSourceException(lineNumber, 1, "expected a JSON object");
            }

            while (json.Read() && json.TokenType != JsonTokenType.EndObject)
            {
                var name = json.GetString()!;
                json.Read();
                string? value = json.TokenType switch
                {
                    JsonTokenType.String => ValueCleaner.Clean(json.GetString()),
                    JsonTokenType.Number => Encoding.UTF8.GetString(json.ValueSpan),
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    JsonTokenType.Null => null,
                    _ => throw new MalformedSourceException(
                        lineNumber, CharColumn(bytes, json.TokenStartIndex), $"property '{name}' must be a string, number, boolean or null"),
                };
                if (!index.TryGetValue(name, out var at))
                {
                    at = columns.Count;
                    columns.Add(name);
                    index[name] = at;
                    schema = null;
                }

                pairs.Add((at, value));
            }

            if (json.Read())
            {
                throw new MalformedSourceException(lineNumber, CharColumn(bytes, json.TokenStartIndex), "more than one JSON value on the line");
            }
        }
        catch (JsonException ex)
        {
            throw new MalformedSourceException(lineNumber, CharColumn(bytes, ex.BytePositionInLine ?? 0), "invalid JSON", ex);
        }

        schema ??= new MemberSchema(columns.ToArray());
        var values = new string?[columns.Count];
        foreach (var (at, value) in pairs)
        {
            values[at] = value;
        }

        return values;
    }
}
