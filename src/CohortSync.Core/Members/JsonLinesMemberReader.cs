using System.Text;
using System.Text.Json;

namespace CohortSync.Core.Members;

/// <summary>
/// Reads JSON lines: each non-blank line an object of string, number, boolean or null values; every property is a column,
/// and a property first seen on a later line adds a column. Faults name the line and the character column.
/// </summary>
internal sealed class JsonLinesMemberReader : MemberReader
{
    private readonly TextReader _reader;
    private readonly List<string> _columns = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<(int Index, string? Value)> _pairs = [];
    private MemberSchema _schema = new(Array.Empty<string>());
    private string?[] _values = [];
    private long _line;

    public JsonLinesMemberReader(TextReader reader) => _reader = reader;

    /// <inheritdoc/>
    public override MemberSchema Schema => _schema;

    /// <inheritdoc/>
    public override long Line => _line;

    /// <inheritdoc/>
    public override int ValueCount => _values.Length;

    /// <inheritdoc/>
    public override bool Read()
    {
        string? line;
        while ((line = _reader.ReadLine()) is not null)
        {
            _line++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                Parse(line);
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Value(int column) => (uint)column < (uint)_values.Length ? _values[column] : default;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Dispose();
        }

        base.Dispose(disposing);
    }

    // The reader reports byte offsets; people count characters.
    private static long CharColumn(byte[] bytes, long byteOffset) =>
        Encoding.UTF8.GetCharCount(bytes, 0, (int)Math.Clamp(byteOffset, 0, bytes.Length)) + 1;

    private void Parse(string line)
    {
        _pairs.Clear();
        var bytes = Encoding.UTF8.GetBytes(line);
        try
        {
            var json = new Utf8JsonReader(bytes);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                throw new MalformedSourceException(_line, 1, "expected a JSON object");
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
                        _line, CharColumn(bytes, json.TokenStartIndex), $"property '{name}' must be a string, number, boolean or null"),
                };
                if (!_index.TryGetValue(name, out var at))
                {
                    at = _columns.Count;
                    _columns.Add(name);
                    _index[name] = at;
                }

                _pairs.Add((at, value));
            }

            if (json.Read())
            {
                throw new MalformedSourceException(_line, CharColumn(bytes, json.TokenStartIndex), "more than one JSON value on the line");
            }
        }
        catch (JsonException ex)
        {
            throw new MalformedSourceException(_line, CharColumn(bytes, ex.BytePositionInLine ?? 0), "invalid JSON", ex);
        }

        if (_schema.Columns.Count != _columns.Count)
        {
            _schema = new MemberSchema(_columns.ToArray());
        }

        _values = new string?[_columns.Count];
        foreach (var (at, value) in _pairs)
        {
            _values[at] = value;
        }
    }
}
