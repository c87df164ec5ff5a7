using System.Runtime.CompilerServices;
using nietras.SeparatedValues;

namespace CohortSync.Core.Members;

/// <summary>
/// Reads a member CSV with a header row through Sep, a SIMD CSV parser that finds rows and columns without making strings.
/// Sep is lenient about quoting, so this reader checks it (only on rows that hold a quote at all, which Amplitude's rarely
/// do): a quoted field must be closed and followed by nothing but whitespace, and a field that does not start with a quote
/// may not hold one. Every row must have the header's number of fields. Faults name the line and field, never the value.
/// </summary>
internal sealed class CsvMemberReader : MemberReader
{
    private readonly SepReader _sep;
    private readonly int _columns;
    private MemberSchema _schema;
    private int _line;
    private int _count;

    // Unescaped values ("" inside quotes) of the current row, one after another; a value's span stays valid for the row,
    // also when the buffer is replaced by a larger one (the old one is left to the collector, not reused).
    private char[] _unescaped = new char[256];
    private int _unescapedUsed;

    private CsvMemberReader(SepReader sep, MemberSchema schema, int headerLine)
    {
        _sep = sep;
        _schema = schema;
        _columns = schema.Columns.Count;
        _line = headerLine;
    }

    /// <inheritdoc/>
    public override MemberSchema Schema => _schema;

    /// <inheritdoc/>
    public override long Line => _line;

    /// <inheritdoc/>
    public override int ValueCount => _count;

    /// <summary>Opens a reader and reads the header row.</summary>
    public static CsvMemberReader Open(TextReader text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sep = Sep.New(',').Reader(o => o with { HasHeader = false, DisableColCountCheck = true }).From(text);
        try
        {
            if (!MoveToRow(sep, lastLine: 0))
            {
                throw new MalformedSourceException(1, 1, "the file has no header row");
            }

            var row = sep.Current;
            var line = LineOf(row);
            var names = new string[row.ColCount];
            char[] scratch = [];
            var used = 0;
            for (var i = 0; i < names.Length; i++)
            {
                var name = CleanField(row[i].Span, line, i, ref scratch, ref used);
                names[i] = name.IsEmpty ? throw new MalformedSourceException(line, i + 1, "empty column name in the header") : name.ToString();
            }

            return new CsvMemberReader(sep, new MemberSchema(names), line);
        }
        catch
        {
            sep.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Read()
    {
        if (!MoveToRow(_sep, _line))
        {
            return false;
        }

        var row = _sep.Current;
        _line = LineOf(row);
        _count = row.ColCount;
        _unescapedUsed = 0;

        // Quoting is checked before the field count: an unclosed quote makes the rest of the file one field.
        if (row.Span.Contains('"'))
        {
            for (var i = 0; i < _count; i++)
            {
                _ = CleanField(row[i].Span, _line, i, ref _unescaped, ref _unescapedUsed);
            }

            _unescapedUsed = 0;
        }

        if (_count != _columns)
        {
            throw new MalformedSourceException(
                _line, Math.Min(_count, _columns) + 1, $"expected {_columns} fields as in the header, found {_count}");
        }

        return true;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override ReadOnlySpan<char> Value(int column) =>
        (uint)column < (uint)_count ? CleanField(_sep.Current[column].Span, _line, column, ref _unescaped, ref _unescapedUsed) : default;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sep.Dispose();
        }

        base.Dispose(disposing);
    }

    // Sep numbers lines from 1, but reports its first row as starting on line 2.
    private static int LineOf(SepReader.Row row) => row.RowIndex == 0 ? 1 : row.LineNumberFrom;

    // Moves to the next row that is not an empty line (blank lines are skipped and still counted in line numbers). Sep
    // refuses a row longer than 16 Mi characters: in a member file that is a quote never closed.
    private static bool MoveToRow(SepReader sep, int lastLine)
    {
        try
        {
            while (sep.MoveNext())
            {
                if (sep.Current.ColCount > 1 || !sep.Current.Span.IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }
        catch (NotSupportedException ex)
        {
            throw new MalformedSourceException(lastLine + 1, 1, "a record longer than 16 Mi characters: a quoted field is never closed", ex);
        }
    }

    // A raw field (quotes as in the file) to its value: a quoted field is unquoted ("" becomes ") into the row's buffer, then
    // the value is cleaned as every value is (ValueCleaner). Quoting faults throw, naming the line and the 1-based field.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ReadOnlySpan<char> CleanField(ReadOnlySpan<char> raw, int line, int index, ref char[] buffer, ref int used)
    {
        var quote = raw.IndexOf('"');
        if (quote < 0)
        {
            return ValueCleaner.Clean(raw);
        }

        // Leading whitespace (Amplitude's tab) may come before the opening quote.
        var start = raw.IndexOfAnyExcept(" \t");
        if (start != quote)
        {
            throw new MalformedSourceException(line, index + 1, "a quote inside an unquoted field");
        }

        if (buffer.Length - used < raw.Length)
        {
            buffer = new char[Math.Max(raw.Length, buffer.Length * 2)];
            used = 0;
        }

        var target = buffer.AsSpan(used);
        var length = 0;
        var i = quote + 1;
        while (true)
        {
            if (i >= raw.Length)
            {
                throw new MalformedSourceException(line, index + 1, "a quoted field is never closed");
            }

            var c = raw[i];
            if (c == '"')
            {
                if (i + 1 < raw.Length && raw[i + 1] == '"')
                {
                    target[length++] = '"';
                    i += 2;
                    continue;
                }

                i++;
                break;
            }

            target[length++] = c;
            i++;
        }

        if (!raw[i..].IsWhiteSpace())
        {
            throw new MalformedSourceException(line, index + 1, "text after the closing quote of a field");
        }

        var value = buffer.AsSpan(used, length);
        used += length;
        return ValueCleaner.Clean(value);
    }
}
