using CohortSync.Core.Members;

namespace CohortSync.Core.Identity;

/// <summary>One link of an identifier chain: take a source field as a destination key of some kind.</summary>
/// <param name="SourceField">The source column (for example <c>user_id</c>, <c>email</c>, or a user property).</param>
/// <param name="Kind">The destination key kind the value becomes.</param>
/// <param name="Label">The alias label, for <see cref="KeyKind.Alias"/>.</param>
public sealed record IdentifierMapping(string SourceField, KeyKind Kind, string? Label = null);

/// <summary>A source field carried beside the key in the payload (for example an email beside a user id).</summary>
/// <param name="SourceField">The source column.</param>
/// <param name="Name">The name the destination uses for it.</param>
public sealed record CarriedField(string SourceField, string Name);

/// <summary>The outcome of resolving one member.</summary>
public readonly record struct KeyResolution(DestinationKey Key, string? Payload, string? UnmatchedReason)
{
    /// <summary>True when a key was found.</summary>
    public bool IsMatched => UnmatchedReason is null;
}

/// <summary>
/// Maps members to destination keys through an ordered list of mappings: the first mapping whose source value is present wins.
/// A member with no usable value is unmatched, with a reason that names the fields tried.
/// </summary>
public sealed class IdentifierChain
{
    private readonly IdentifierMapping[] _mappings;
    private readonly CarriedField[] _carried;
    private MemberSchema? _boundSchema;
    private int[] _mappingIndexes = [];
    private int[] _carriedIndexes = [];
    private readonly string _noValueReason;
    private readonly System.Text.StringBuilder _payload = new();

    /// <summary>Creates a chain.</summary>
    public IdentifierChain(IEnumerable<IdentifierMapping> mappings, IEnumerable<CarriedField>? carried = null)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        _mappings = mappings.ToArray();
        if (_mappings.Length == 0)
        {
            throw new ArgumentException("an identifier chain needs at least one mapping", nameof(mappings));
        }

        _carried = carried?.ToArray() ?? [];
        _noValueReason = "no value for " + string.Join(", ", _mappings.Select(m => m.SourceField));
    }

    /// <summary>The mappings in priority order.</summary>
    public IReadOnlyList<IdentifierMapping> Mappings => _mappings;

    /// <summary>The fields carried in the payload.</summary>
    public IReadOnlyList<CarriedField> Carried => _carried;

    /// <summary>The source fields the chain reads: what a source must export.</summary>
    public IEnumerable<string> SourceFields =>
        _mappings.Select(m => m.SourceField).Concat(_carried.Select(c => c.SourceField)).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Resolves one member. Not thread-safe: use one chain per reading thread.</summary>
    public KeyResolution Resolve(in MemberRecord member)
    {
        Bind(member.Schema);
        for (var i = 0; i < _mappings.Length; i++)
        {
            var value = member[_mappingIndexes[i]];
            if (value is not null)
            {
                var mapping = _mappings[i];
                return new KeyResolution(new DestinationKey(mapping.Kind, value, mapping.Label), BuildPayload(member), null);
            }
        }

        return new KeyResolution(default, null, _noValueReason);
    }

    private string? BuildPayload(in MemberRecord member)
    {
        if (_carried.Length == 0)
        {
            return null;
        }

        // One reused builder and one string per member: this runs a million times in a plan (MemberPayload's format).
        _payload.Clear();
        for (var i = 0; i < _carried.Length; i++)
        {
            var value = member[_carriedIndexes[i]];
            if (value is not null)
            {
                MemberPayload.Append(_payload, _carried[i].Name, value);
            }
        }

        return _payload.Length == 0 ? null : _payload.ToString();
    }

    private void Bind(MemberSchema schema)
    {
        if (ReferenceEquals(schema, _boundSchema))
        {
            return;
        }

        _mappingIndexes = _mappings.Select(m => schema.IndexOf(m.SourceField)).ToArray();
        _carriedIndexes = _carried.Select(c => schema.IndexOf(c.SourceField)).ToArray();
        _boundSchema = schema;
    }
}
