using CohortSync.Core.Identity;
using CohortSync.Core.Members;

namespace CohortSync.TestHelpers;

/// <summary>Members resolved as Prepare resolves them (into a <see cref="ResolvedMember"/>'s buffers), for connector tests.</summary>
public static class Resolved
{
    private static readonly MemberSchema Schema = new(["id"]);

    /// <summary>A member whose key of <paramref name="kind"/> is <paramref name="value"/>, carrying nothing.</summary>
    public static ResolvedMember Member(KeyKind kind, string value, string? label = null)
    {
        var member = new ResolvedMember();
        var chain = new IdentifierChain([new IdentifierMapping("id", kind, label)]);
        if (!chain.TryResolve(new MemberRecord(Schema, [value], 2), member))
        {
            throw new ArgumentException("an empty value resolves to no key", nameof(value));
        }

        return member;
    }
}
