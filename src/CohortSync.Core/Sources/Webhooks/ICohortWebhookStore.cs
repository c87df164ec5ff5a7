namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// The port for webhook cohorts (Table Storage in the Azure adapter): the messages received, deduplicated on their id and
/// kept until applied, and the membership they build: one state a user, sorted by user id.
/// </summary>
public interface ICohortWebhookStore
{
    /// <summary>
    /// Stores a message durably unless one with the same id was stored before; true when it was stored now, false for a
    /// duplicate (nothing changes). The source's version (<see cref="GetVersionAsync"/>) changes with the same write.
    /// </summary>
    Task<bool> AcceptAsync(string sourceId, StoredCohortWebhook message, CancellationToken cancellationToken);

    /// <summary>The messages accepted and not yet applied, streamed (a few bodies in memory at a time), in no particular order.</summary>
    IAsyncEnumerable<StoredCohortWebhook> ReadPendingAsync(string sourceId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks messages applied (as <see cref="ReadPendingAsync"/> gave them; their bodies are not read): the stored bodies are
    /// dropped; the ids stay, so a late retry is still a duplicate.
    /// </summary>
    Task MarkAppliedAsync(string sourceId, IReadOnlyCollection<StoredCohortWebhook> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Every user's stored state (members and users who left), sorted by user id (ordinal), a page at a time. A reader keeps
    /// reading the membership it started on even if it is replaced meanwhile.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<CohortMemberEntry>> ReadStatesAsync(string sourceId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the source's stored states with <paramref name="states"/>, sorted by user id (ordinal), streamed; readers see
    /// the old states or the new ones, never a mix.
    /// </summary>
    Task ReplaceStatesAsync(string sourceId, IAsyncEnumerable<CohortMemberEntry> states, CancellationToken cancellationToken);

    /// <summary>An opaque version that changes whenever a message is accepted; null before the first.</summary>
    Task<string?> GetVersionAsync(string sourceId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the source's apply lease for <paramref name="owner"/> until <paramref name="until"/>, unless someone else holds
    /// an unexpired one; true when taken.
    /// </summary>
    Task<bool> TryLeaseAsync(string sourceId, string owner, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Gives the lease back if <paramref name="owner"/> still holds it.</summary>
    Task ReleaseLeaseAsync(string sourceId, string owner, CancellationToken cancellationToken);
}
