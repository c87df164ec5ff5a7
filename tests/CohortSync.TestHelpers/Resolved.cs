using CohortSync.Core.Identity;
using CohortSync.Core.Members;

namespace CohortSync.TestHelpers;

/// <summary>Members resolved as Prepare resolves them (into a <see cref="ResolvedMember"/>'s buffers), for connector tests.</summary>
public static class Resolved
{
    private static readonly MemberSchema Schema = new(["id"]);

    /// <summary>
    /// Keys a connector's check of resolved members must judge as its check of strings does: ordinary ones, spaces, a long
    /// id, a non-ASCII and a control character, an email and not one, and a device id.
    /// </summary>
    public static TheoryData<KeyKind, string> Keys { get; } = new()
    {
        { KeyKind.UserId, "u1" },
        { KeyKind.UserId, " u1 x" },
        { KeyKind.UserId, "user-with-a-very-long-identifier-over-fifty-two-characters-long" },
        { KeyKind.UserId, "caf\u00e9" },
        { KeyKind.UserId, "tab\there" },
        { KeyKind.Email, "a@example.com" },
        { KeyKind.Email, "not an email" },
        { KeyKind.DeviceId, "d1" },
        { KeyKind.Alias, "name" },
    };

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
