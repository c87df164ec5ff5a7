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
    private readonly string[] _prefixes;
    private readonly ResolvedMember _scratch = new();

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

        // Each mapping's stored key starts the same way: DestinationKey.Encode of an empty value.
        _prefixes = [.. _mappings.Select(m => new DestinationKey(m.Kind, string.Empty, m.Label).Encode())];
    }

    /// <summary>The mappings in priority order.</summary>
    public IReadOnlyList<IdentifierMapping> Mappings => _mappings;

    /// <summary>The fields carried in the payload.</summary>
    public IReadOnlyList<CarriedField> Carried => _carried;

    /// <summary>The source fields the chain reads: what a source must export.</summary>
    public IEnumerable<string> SourceFields =>
        _mappings.Select(m => m.SourceField).Concat(_carried.Select(c => c.SourceField)).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why a member without a value in any field of the chain is unmatched (names the fields tried).</summary>
    public string UnmatchedReason => _noValueReason;

    /// <summary>Resolves one member into strings. Not thread-safe: use one chain per reading thread.</summary>
    public KeyResolution Resolve(in MemberRecord member) =>
        TryResolve(member, _scratch)
            ? new KeyResolution(_scratch.ToKey(), _scratch.PayloadString(), null)
            : new KeyResolution(default, null, _noValueReason);

    /// <summary>
    /// Resolves one member into <paramref name="into"/>'s buffers, making no string: false when no field of the chain has a
    /// value (the member is unmatched, for <see cref="UnmatchedReason"/>). Not thread-safe: use one chain per reading thread.
    /// </summary>
    public bool TryResolve<TRow>(in TRow member, ResolvedMember into)
        where TRow : IMemberRow
    {
        ArgumentNullException.ThrowIfNull(into);
        Bind(member.Schema);
        for (var i = 0; i < _mappings.Length; i++)
        {
            var value = member.Value(_mappingIndexes[i]);
            if (!value.IsEmpty)
            {
                var mapping = _mappings[i];
                into.SetKey(mapping.Kind, mapping.Label, _prefixes[i], value);
                for (var c = 0; c < _carried.Length; c++)
                {
                    var carried = member.Value(_carriedIndexes[c]);
                    if (!carried.IsEmpty)
                    {
                        into.AppendField(_carried[c].Name, carried);
                    }
                }

                return true;
            }
        }

        return false;
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
