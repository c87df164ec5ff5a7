namespace CohortSync.Core.Snapshots;

/// <summary>
/// Where a packed member's bytes are, and a hash of them: <see cref="Reference"/> into the <see cref="MemberArena"/>, and
/// <see cref="Record"/>, an XxHash3 of the member's encoded record (key and payload, the bytes a stored chunk holds for it).
/// The diff compares record hashes of members whose key hashes are equal, so an unchanged member is recognised without
/// reading its bytes from the arena (a cache miss a member, in hash order).
/// </summary>
/// <param name="Reference">The arena reference; it grows with insertion, so it orders duplicates.</param>
/// <param name="Record">The hash of the member's record bytes.</param>
internal readonly record struct PackedMember(long Reference, ulong Record);
