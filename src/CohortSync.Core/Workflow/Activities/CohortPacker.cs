using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading.Channels;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Reads, resolves, validates and packs a cohort for Prepare, on both cores and without a string a member: one thread
/// parses the file (Sep) and resolves each member's stored key and payload into blocks of characters; the caller's thread
/// hashes them and copies them into the builder's UTF-8 arena. Members that cannot be sent are counted with their reasons.
/// A malformed source throws after the members read before the fault were packed, as itself.
/// </summary>
internal static class CohortPacker
{
    private const int MaxSkipReasons = 20;

    // Blocks in flight between the two threads, and members a block holds (about 64 KiB of characters each).
    private const int Depth = 4;
    private const int BlockMembers = 2048;

    /// <summary>The packed cohort and what was left out.</summary>
    /// <param name="Builder">The members that can be sent, not yet sorted.</param>
    /// <param name="SkipReasons">Members left out by reason (at most 20 reasons, then "other reasons").</param>
    /// <param name="Total">Members read.</param>
    /// <param name="Unmatched">Members with no value for any field of the identifier chain.</param>
    /// <param name="Invalid">Members the destination would refuse.</param>
    /// <param name="Columns">The source's columns (null for an empty source).</param>
    public sealed record Result(SnapshotBuilder Builder, Dictionary<string, int> SkipReasons, int Total, int Unmatched, int Invalid, MemberSchema? Columns);

    /// <summary>Packs every member of <paramref name="members"/>; <paramref name="expected"/> sizes the builder.</summary>
    public static async Task<Result> PackAsync(
        MemberReader members, IdentifierChain chain, IDestinationConnector connector, int expected, CancellationToken cancellationToken)
    {
        var full = Channel.CreateBounded<MemberBlock>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        var free = new ConcurrentQueue<MemberBlock>();
        var resolver = new Resolver(members, chain, connector);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => resolver.RunAsync(full.Writer, free, stop.Token), CancellationToken.None);
        var builder = new SnapshotBuilder((int)Math.Min(Array.MaxLength, expected + (expected / 16L) + 1024));
        try
        {
            while (await full.Reader.WaitToReadAsync(cancellationToken))
            {
                while (full.Reader.TryRead(out var block))
                {
                    block.AddTo(builder);
                    free.Enqueue(block);
                }
            }
        }
        finally
        {
            // Also when this side failed or was cancelled: end the reading before returning, so the reader is done with.
            await stop.CancelAsync();
            var error = await reading;
            if (error is not null && !cancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }

        return new Result(builder, resolver.SkipReasons, resolver.Total, resolver.Unmatched, resolver.Invalid, resolver.Total == 0 ? null : members.Schema);
    }

    /// <summary>Why a resolved member cannot be stored: a key or payload over the codec's 64 KiB, or null.</summary>
    internal static string? CheckLength(ResolvedMember member) =>
        TooLong(member.EncodedKey) || TooLong(member.Payload) ? "identifier or carried fields longer than 64 KiB" : null;

    // At most 3 UTF-8 bytes a character: only long text is counted.
    private static bool TooLong(ReadOnlySpan<char> text) =>
        text.Length * 3L > SnapshotCodec.MaxFieldBytes && Encoding.UTF8.GetByteCount(text) > SnapshotCodec.MaxFieldBytes;

    // The parsing thread: counts stay its own until the caller has awaited it.
    private sealed class Resolver(MemberReader members, IdentifierChain chain, IDestinationConnector connector)
    {
        public Dictionary<string, int> SkipReasons { get; } = new(StringComparer.Ordinal);

        public int Total { get; private set; }

        public int Unmatched { get; private set; }

        public int Invalid { get; private set; }

        // Returns the source's exception instead of throwing it, so the caller rethrows it unwrapped, after the blocks read
        // before it.
        public async Task<Exception?> RunAsync(ChannelWriter<MemberBlock> blocks, ConcurrentQueue<MemberBlock> free, CancellationToken stop)
        {
            try
            {
                var resolved = new ResolvedMember();
                var block = new MemberBlock();
                while (Next(resolved))
                {
                    if (!block.TryAdd(resolved))
                    {
                        await blocks.WriteAsync(block, stop);
                        block = free.TryDequeue(out var reused) ? reused : new MemberBlock();
                        block.TryAdd(resolved);
                    }
                }

                if (block.Count > 0)
                {
                    await blocks.WriteAsync(block, stop);
                }

                return null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
            finally
            {
                blocks.TryComplete();
            }
        }

        // Moves to the next member that can be sent, counting the others.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool Next(ResolvedMember resolved)
        {
            while (members.Read())
            {
                Total++;
                if (!chain.TryResolve(members, resolved))
                {
                    Unmatched++;
                    Count(chain.UnmatchedReason);
                    continue;
                }

                var reason = connector.Validate(resolved) ?? CheckLength(resolved);
                if (reason is not null)
                {
                    Invalid++;
                    Count(reason);
                    continue;
                }

                return true;
            }

            return false;
        }

        private void Count(string reason)
        {
            if (SkipReasons.TryGetValue(reason, out var n) || SkipReasons.Count < MaxSkipReasons)
            {
                SkipReasons[reason] = n + 1;
            }
            else
            {
                SkipReasons["other reasons"] = SkipReasons.GetValueOrDefault("other reasons") + 1;
            }
        }
    }

    // Resolved members handed from the parsing thread to the packing one: their keys and payloads one after another.
    private sealed class MemberBlock
    {
        private readonly int[] _keyEnds = new int[BlockMembers];
        private readonly int[] _payloadEnds = new int[BlockMembers];
        private readonly bool[] _hasPayload = new bool[BlockMembers];
        private char[] _chars = new char[32 * 1024];
        private int _used;

        public int Count { get; private set; }

        public bool TryAdd(ResolvedMember member)
        {
            var key = member.EncodedKey;
            var payload = member.Payload;
            var need = key.Length + payload.Length;
            if (Count == BlockMembers || (_used + need > _chars.Length && Count > 0))
            {
                return false;
            }

            if (_used + need > _chars.Length)
            {
                _chars = new char[need]; // one member longer than a block: a block of its own
            }

            key.CopyTo(_chars.AsSpan(_used));
            _used += key.Length;
            _keyEnds[Count] = _used;
            payload.CopyTo(_chars.AsSpan(_used));
            _used += payload.Length;
            _payloadEnds[Count] = _used;
            _hasPayload[Count] = member.HasPayload;
            Count++;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void AddTo(SnapshotBuilder builder)
        {
            var chars = _chars.AsSpan();
            var start = 0;
            for (var i = 0; i < Count; i++)
            {
                var keyEnd = _keyEnds[i];
                var payloadEnd = _payloadEnds[i];
                builder.Add(chars[start..keyEnd], chars[keyEnd..payloadEnd], _hasPayload[i]);
                start = payloadEnd;
            }

            Count = 0;
            _used = 0;
        }
    }
}
