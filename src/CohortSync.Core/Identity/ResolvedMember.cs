namespace CohortSync.Core.Identity;

/// <summary>
/// A member resolved by <see cref="IdentifierChain.TryResolve{TRow}(in TRow, ResolvedMember)"/>: its destination key in the
/// stored form (<see cref="DestinationKey.Encode"/>) and its payload (<see cref="MemberPayload"/>'s format), held in buffers
/// that the next resolution reuses, so resolving millions of members makes no string. One per reading thread.
/// </summary>
public sealed class ResolvedMember
{
    private char[] _key = new char[128];
    private char[] _payload = new char[256];
    private int _keyLength;
    private int _valueStart;
    private int _payloadLength;

    /// <summary>The key's kind.</summary>
    public KeyKind Kind { get; private set; }

    /// <summary>The alias label, for <see cref="KeyKind.Alias"/>.</summary>
    public string? Label { get; private set; }

    /// <summary>The key in its stored form, <c>{code}:{label}:{value}</c>.</summary>
    public ReadOnlySpan<char> EncodedKey => _key.AsSpan(0, _keyLength);

    /// <summary>The identifier itself.</summary>
    public ReadOnlySpan<char> Value => _key.AsSpan(_valueStart, _keyLength - _valueStart);

    /// <summary>False when no carried field had a value.</summary>
    public bool HasPayload => _payloadLength > 0;

    /// <summary>The carried fields, encoded; empty when <see cref="HasPayload"/> is false.</summary>
    public ReadOnlySpan<char> Payload => _payload.AsSpan(0, _payloadLength);

    /// <summary>The key (makes its string).</summary>
    public DestinationKey ToKey() => new(Kind, Value.ToString(), Label);

    /// <summary>The payload (makes its string), or null.</summary>
    public string? PayloadString() => HasPayload ? Payload.ToString() : null;

    internal void SetKey(KeyKind kind, string? label, string prefix, ReadOnlySpan<char> value)
    {
        Kind = kind;
        Label = label;
        Ensure(ref _key, prefix.Length + value.Length);
        prefix.CopyTo(_key);
        value.CopyTo(_key.AsSpan(prefix.Length));
        _valueStart = prefix.Length;
        _keyLength = prefix.Length + value.Length;
        _payloadLength = 0;
    }

    // Appends one carried field in MemberPayload's format: name=value, fields apart by its separator, which becomes a space
    // inside a value.
    internal void AppendField(string name, ReadOnlySpan<char> value)
    {
        Ensure(ref _payload, _payloadLength + 1 + name.Length + 1 + value.Length);
        if (_payloadLength > 0)
        {
            _payload[_payloadLength++] = MemberPayload.Separator;
        }

        name.CopyTo(_payload.AsSpan(_payloadLength));
        _payloadLength += name.Length;
        _payload[_payloadLength++] = '=';
        var target = _payload.AsSpan(_payloadLength, value.Length);
        value.Replace(target, MemberPayload.Separator, ' ');
        _payloadLength += value.Length;
    }

    private static void Ensure(ref char[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            Array.Resize(ref buffer, Math.Max(length, buffer.Length * 2));
        }
    }
}
