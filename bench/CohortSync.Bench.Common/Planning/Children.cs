using System.Diagnostics;
using System.IO.Compression;
using Azure.Data.Tables;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow;

namespace CohortSync.Bench.Planning;

/// <summary>
/// The measurements, each run in its own process (<c>--child MODE</c>) so that its peak working set is its own:
/// <c>setup</c> (definitions, baseline v1, the pending run), <c>plan</c> (Prepare + Commit of the real activities),
/// <c>naive</c> (two HashSets and one table row per member) and <c>profile</c> (the planning steps timed one by one).
/// </summary>
public static class Children
{
    private const double MiB = 1024 * 1024;

    public static async Task<ChildReport> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workingSetAtStart = WorkingSet();
        var context = new ChildContext(options);
        var report = options.ChildMode switch
        {
            "setup" => await SetupAsync(context, cancellationToken),
            "plan" => await PlanAsync(context, cancellationToken),
            "naive" => await NaiveAsync(context, cancellationToken),
            "profile" => await ProfileAsync(context, cancellationToken),
            _ => throw new ArgumentException($"unknown child mode '{options.ChildMode}'"),
        };
        report.AddProcessFigures(workingSetAtStart);
        return report;
    }

    /// <summary>The sync every child agrees on: file source v2, user_id as the user id, email carried.</summary>
    public static SyncDefinition SyncOf(string syncId, string destinationId, string source) => new()
    {
        Id = syncId,
        Name = "planning benchmark " + syncId,
        DestinationId = destinationId,
        Source = new SourceDefinition("file", source, "Planning benchmark"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Carry = [new CarriedField("email", "email")],
        CreatedAt = DateTimeOffset.UtcNow,
    };

    // ---- setup -----------------------------------------------------------------------------------------------------

    private static async Task<ChildReport> SetupAsync(ChildContext c, CancellationToken cancellationToken)
    {
        var report = new ChildReport { Mode = "setup" };
        await using var host = new BenchHost(c.Storage, c.Prefix);
        var now = DateTimeOffset.UtcNow;
        var destination = new DestinationDefinition
        {
            Id = c.SyncId + "-file",
            Name = "planning benchmark folder",
            Type = "file",
            Settings = new Dictionary<string, string> { ["folder"] = Path.Combine(c.WorkDir, "out") },
            CreatedAt = now,
        };
        await host.Store.SaveDestinationAsync(destination, null, cancellationToken);
        var sync = SyncOf(c.SyncId, destination.Id, c.V2);
        await host.Store.SaveSyncAsync(sync, null, cancellationToken);

        // Baseline = v1, built the way Prepare builds a snapshot, committed as one run of adds.
        var watch = Stopwatch.StartNew();
        var builder = new SnapshotBuilder(c.Churn.Members);
        var chain = sync.BuildChain();
        foreach (var member in ReadMembers(c.V1))
        {
            var resolution = chain.Resolve(member);
            if (resolution.IsMatched)
            {
                builder.Add(resolution.Key.Encode(), resolution.Payload);
            }
        }

        var snapshot = builder.BuildPacked();
        report.Time("build the v1 snapshot (parse, resolve, sort)", watch.Elapsed);
        var adds = new List<SnapshotChange>(snapshot.Count);
        for (var i = 0; i < snapshot.Count; i++)
        {
            adds.Add(new SnapshotChange(ChangeKind.Add, snapshot[i]));
        }

        // Creates the snapshot table (a transaction of its own) before counting what a full snapshot costs.
        _ = await host.Snapshots.GetManifestAsync(c.SyncId, cancellationToken);
        var before = host.Meters.Snapshot.Read();
        watch.Restart();
        var count = (await host.Baselines.CommitAsync(c.SyncId, "setup-run-id", adds, cancellationToken: cancellationToken)).Members;
        var elapsed = watch.Elapsed;
        var written = host.Meters.Snapshot.Read() - before;
        report.Time("commit the v1 baseline (encode, write segment, manifest)", elapsed);
        report.Set("full_members", count);
        report.Set("full_commit_s", elapsed.TotalSeconds);
        report.Set("full_store_s", written.Elapsed.TotalSeconds);
        report.Set("full_tx", written.Transactions);
        report.Set("full_chunks", written.ChunksWritten);
        report.Set("full_mb", written.BytesWritten / MiB);
        if (count != c.Churn.Members)
        {
            throw new InvalidOperationException($"the v1 baseline holds {count} members, expected {c.Churn.Members}");
        }

        await StorePendingRunAsync(host, c.SyncId, c.RunId, now, cancellationToken);
        return report;
    }

    // What RunService.StartAsync stores before it starts the engine: the sync's claim and a pending incremental run.
    private static async Task StorePendingRunAsync(BenchHost host, string syncId, string runId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = await host.Store.GetSyncStateAsync(syncId, cancellationToken);
        await host.Store.SaveSyncStateAsync(
            (state?.Value ?? new SyncState { SyncId = syncId }) with { ActiveRunId = runId }, state?.ETag, cancellationToken);
        await host.Store.SaveRunAsync(
            new RunRecord
            {
                RunId = runId,
                SyncId = syncId,
                Trigger = "manual",
                Mode = RunMode.Incremental,
                Status = RunStatus.Pending,
                CreatedAt = now,
                UpdatedAt = now,
            },
            null,
            cancellationToken);
    }

    // ---- plan ------------------------------------------------------------------------------------------------------

    private static async Task<ChildReport> PlanAsync(ChildContext c, CancellationToken cancellationToken)
    {
        var report = new ChildReport { Mode = "plan" };
        await using var host = new BenchHost(c.Storage, c.Prefix);

        // A long-running host's later run: the code is compiled (and tiered up) by runs of a small sync of its own first.
        report.Set("warm_runs", c.Warm ? await RunSmallSyncAsync(host, c, cancellationToken) : 0);

        // Tables are created (and the connection opened) once per process, not once per plan: touch every table the
        // activities use before the clock starts, through the ports only.
        await WarmUpAsync(host, c, cancellationToken);
        var prepare = host.Prepare;
        var commit = host.Commit;

        var t0 = Take(host);
        var watch = Stopwatch.StartNew();
        var plan = await prepare.RunAsync(new RunInput(c.RunId, c.SyncId, RunMode.Incremental), cancellationToken);
        var prepareElapsed = watch.Elapsed;
        var t1 = Take(host);
        MemoryAt(report, "prepare");

        // The sends: every batch settled, all accepted. Not timed; it stands for the destination calls.
        var batches = await SettleAsync(host, c.RunId, cancellationToken);

        // What the batches occupy in the Batches table: each is stored as one codec chunk.
        report.Set("batch_mb", batches.Sum(b => SnapshotCodec.Encode(b.Changes).Sum(chunk => (long)chunk.Length)) / MiB);

        var t2 = Take(host);
        watch.Restart();
        var result = await commit.RunAsync(new CommitRunInput(c.RunId), cancellationToken);
        var commitElapsed = watch.Elapsed;
        var t3 = Take(host);
        MemoryAt(report, "commit");

        report.Set("prepare_s", prepareElapsed.TotalSeconds);
        report.Set("commit_s", commitElapsed.TotalSeconds);
        report.Set("planning_s", (prepareElapsed + commitElapsed).TotalSeconds);
        Phase(report, "prepare", t1, t0);
        Phase(report, "settle", t2, t1);
        Phase(report, "commit", t3, t2);
        report.Set("members", plan.Members);
        report.Set("baseline", plan.Baseline);
        report.Set("adds", plan.Adds);
        report.Set("removes", plan.Removes);
        report.Set("updates", plan.Updates);
        report.Set("unmatched", plan.Unmatched);
        report.Set("batches", plan.BatchCount);

        var manifest = (await host.Snapshots.GetManifestAsync(c.SyncId, cancellationToken))?.Value
            ?? throw new InvalidOperationException("no snapshot manifest after the commit");
        report.Set("manifest_members", manifest.MemberCount);
        report.Set("manifest_base_records", manifest.Base?.Records ?? 0);
        report.Set("manifest_delta_records", manifest.Deltas.Sum(d => d.Records));
        report.Set("manifest_deltas", manifest.Deltas.Count);
        var run = (await host.Store.GetRunAsync(c.RunId, cancellationToken))?.Value
            ?? throw new InvalidOperationException("the run record is gone");

        // A benchmark of a wrong plan is worthless: check it against the churn that generated the files.
        var problems = new List<string>();
        Expect(problems, "status", result.Status.ToString(), nameof(RunStatus.Completed));
        Expect(problems, "adds", plan.Adds, c.Churn.Added);
        Expect(problems, "removes", plan.Removes, c.Churn.Removed);
        Expect(problems, "updates", plan.Updates, 0);
        Expect(problems, "baseline", plan.Baseline, c.Churn.Members);
        Expect(problems, "accepted", run.Outcome?.Accepted ?? -1, c.Churn.Changes);
        Expect(problems, "members after", manifest.MemberCount, c.Churn.MembersAfter);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("the plan is wrong: " + string.Join("; ", problems));
        }

        return report;
    }

    // Every batch of a run settled, all accepted, as the sends would leave them.
    private static async Task<IReadOnlyList<BatchRecord>> SettleAsync(BenchHost host, string runId, CancellationToken cancellationToken)
    {
        var batches = await host.Store.ListBatchesAsync(runId, cancellationToken);
        foreach (var batch in batches)
        {
            await host.Store.SaveBatchOutcomeAsync(
                runId, new BatchOutcome { Number = batch.Number, Accepted = batch.Changes.Count, Requests = 1 }, cancellationToken);
        }

        return batches;
    }

    // Runs of a sync of its own over the first 50,000 members of v1 and v2 in turn (a first sync, then changes back and
    // forth), through the same activities, until a whole run compiles no method (the runtime's JIT count stays put): the
    // measured run then finds its code compiled and tiered up, as in a host that has run syncs before. At most 30 runs.
    private static async Task<int> RunSmallSyncAsync(BenchHost host, ChildContext c, CancellationToken cancellationToken)
    {
        const int Members = 50_000;
        const int MaxRuns = 30;
        var file = Path.Combine(c.WorkDir, "warm-" + c.SyncId + ".csv");
        var syncId = c.SyncId + "-warm";
        await host.Store.SaveSyncAsync(SyncOf(syncId, c.SyncId + "-file", file), null, cancellationToken);
        string[][] heads = [[.. File.ReadLines(c.V1).Take(Members + 1)], [.. File.ReadLines(c.V2).Take(Members + 1)]];
        try
        {
            var compiled = -1L;
            var runs = 0;
            for (var i = 0; i < MaxRuns && System.Runtime.JitInfo.GetCompiledMethodCount() != compiled; i++, runs++)
            {
                compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
                await File.WriteAllLinesAsync(file, heads[i % 2], cancellationToken);
                var now = DateTimeOffset.UtcNow;
                var runId = RunIds.ForManual(syncId, now, i);
                await StorePendingRunAsync(host, syncId, runId, now, cancellationToken);
                _ = await host.Prepare.RunAsync(new RunInput(runId, syncId, RunMode.Incremental), cancellationToken);
                _ = await SettleAsync(host, runId, cancellationToken);
                _ = await host.Commit.RunAsync(new CommitRunInput(runId), cancellationToken);
            }

            return runs;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task WarmUpAsync(BenchHost host, ChildContext c, CancellationToken cancellationToken)
    {
        _ = await host.Store.GetDestinationAsync(c.SyncId + "-file", cancellationToken);
        _ = await host.Store.GetSyncAsync(c.SyncId, cancellationToken);
        _ = await host.Store.GetSyncStateAsync(c.SyncId, cancellationToken);
        _ = await host.Store.GetRunAsync(c.RunId, cancellationToken);
        _ = await host.Store.GetBatchAsync(c.RunId, 0, cancellationToken);
        _ = await host.Snapshots.GetManifestAsync(c.SyncId, cancellationToken);
    }

    private static (long Transactions, MeterReading Sync, MeterReading Snapshot, TimeSpan GcPause, long Allocated, TimeSpan Cpu) Take(BenchHost host) =>
        (host.Tables.Transactions, host.Meters.Sync.Read(), host.Meters.Snapshot.Read(), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true), CpuTime());

    // Where the process stands in memory at the end of a phase: peak so far, working set now, managed heap now (live and dead).
    private static void MemoryAt(ChildReport report, string name)
    {
        using var self = Process.GetCurrentProcess();
        report.Set(name + "_peak_ws_mb", self.PeakWorkingSet64 / MiB);
        report.Set(name + "_ws_mb", self.WorkingSet64 / MiB);
        report.Set(name + "_heap_mb", GC.GetTotalMemory(forceFullCollection: false) / MiB);
    }

    private static void Phase(
        ChildReport report,
        string name,
        (long Transactions, MeterReading Sync, MeterReading Snapshot, TimeSpan GcPause, long Allocated, TimeSpan Cpu) after,
        (long Transactions, MeterReading Sync, MeterReading Snapshot, TimeSpan GcPause, long Allocated, TimeSpan Cpu) before)
    {
        var sync = after.Sync - before.Sync;
        var snapshot = after.Snapshot - before.Snapshot;
        report.Set(name + "_tx", after.Transactions - before.Transactions);
        report.Set(name + "_sync_tx", sync.Transactions);
        report.Set(name + "_snapshot_tx", snapshot.Transactions);
        report.Set(name + "_store_s", (sync.Elapsed + snapshot.Elapsed).TotalSeconds);
        report.Set(name + "_sync_store_s", sync.Elapsed.TotalSeconds);
        report.Set(name + "_snapshot_store_s", snapshot.Elapsed.TotalSeconds);
        report.Set(name + "_snapshot_read_chunks", snapshot.ChunksRead);
        report.Set(name + "_snapshot_read_mb", snapshot.BytesRead / MiB);
        report.Set(name + "_snapshot_written_chunks", snapshot.ChunksWritten);
        report.Set(name + "_snapshot_written_mb", snapshot.BytesWritten / MiB);
        report.Set(name + "_gc_pause_s", (after.GcPause - before.GcPause).TotalSeconds);
        report.Set(name + "_allocated_mb", (after.Allocated - before.Allocated) / MiB);
        report.Set(name + "_cpu_s", (after.Cpu - before.Cpu).TotalSeconds);
    }

    private static void Expect<T>(List<string> problems, string what, T actual, T expected)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            problems.Add($"{what} is {actual}, expected {expected}");
        }
    }

    // ---- naive -----------------------------------------------------------------------------------------------------

    private static async Task<ChildReport> NaiveAsync(ChildContext c, CancellationToken cancellationToken)
    {
        var report = new ChildReport { Mode = "naive" };

        var watch = Stopwatch.StartNew();
        var before = ReadUserIds(c.V1);
        var parseV1 = watch.Elapsed;
        watch.Restart();
        var after = ReadUserIds(c.V2);
        var parseV2 = watch.Elapsed;
        watch.Restart();
        var added = after.Where(id => !before.Contains(id)).ToList();
        var removed = before.Where(id => !after.Contains(id)).ToList();
        var difference = watch.Elapsed;
        report.Time("parse v1 into a HashSet<string>", parseV1);
        report.Time("parse v2 into a HashSet<string>", parseV2);
        report.Time("both set differences", difference);
        report.Set("parse_v1_s", parseV1.TotalSeconds);
        report.Set("parse_v2_s", parseV2.TotalSeconds);
        report.Set("difference_s", difference.TotalSeconds);
        report.Set("compute_s", (parseV1 + parseV2 + difference).TotalSeconds);
        report.Set("adds", added.Count);
        report.Set("removes", removed.Count);
        if (added.Count != c.Churn.Added || removed.Count != c.Churn.Removed)
        {
            throw new InvalidOperationException($"naive difference found +{added.Count} -{removed.Count}, expected +{c.Churn.Added} -{c.Churn.Removed}");
        }

        // One row per member of v2, 100 to a batch transaction, one partition per sync: the first rows for real.
        var rows = ReadRows(c.V2, c.NaiveRows);
        var table = new TableServiceClient(c.Storage).GetTableClient(c.Prefix + "NaiveMembers");
        await table.CreateIfNotExistsAsync(cancellationToken);
        var transactions = 0;
        watch.Restart();
        foreach (var group in rows.Chunk(100))
        {
            var batch = group
                .Select(m => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(c.SyncId, m.UserId) { ["email"] = m.Email }))
                .ToList();
            await table.SubmitTransactionAsync(batch, cancellationToken);
            transactions++;
        }

        var storage = watch.Elapsed;
        var total = after.Count;
        var totalTransactions = (total + 99) / 100;
        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"write {rows.Count:N0} rows in {transactions:N0} batch transactions"), storage);
        report.Set("rows_written", rows.Count);
        report.Set("rows_total", total);
        report.Set("storage_measured_s", storage.TotalSeconds);
        report.Set("storage_measured_tx", transactions);
        report.Set("storage_s", storage.TotalSeconds * totalTransactions / Math.Max(1, transactions));
        report.Set("storage_tx", totalTransactions);
        report.Set("extrapolated", rows.Count < total ? 1 : 0);
        GC.KeepAlive(before);
        GC.KeepAlive(after);
        return report;
    }

    private static HashSet<string> ReadUserIds(string path)
    {
        var ids = new HashSet<string>();
        foreach (var member in ReadMembers(path))
        {
            if (member.Get("user_id") is { } id)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static List<(string UserId, string? Email)> ReadRows(string path, int max)
    {
        var rows = new List<(string, string?)>(max);
        foreach (var member in ReadMembers(path))
        {
            if (rows.Count == max)
            {
                break;
            }

            if (member.Get("user_id") is { } id)
            {
                rows.Add((id, member.Get("email")));
            }
        }

        return rows;
    }

    // ---- profile ---------------------------------------------------------------------------------------------------

    /// <summary>The steps of planning, each timed alone on the same files and stored baseline (cold, as in a run).</summary>
    private static async Task<ChildReport> ProfileAsync(ChildContext c, CancellationToken cancellationToken)
    {
        var report = new ChildReport { Mode = "profile" };
        await using var host = new BenchHost(c.Storage, c.Prefix);
        var sync = (await host.Store.GetSyncAsync(c.SyncId, cancellationToken))?.Value
            ?? throw new InvalidOperationException($"sync {c.SyncId} is missing: run setup first");
        var chain = sync.BuildChain();

        var watch = Stopwatch.StartNew();
        var rows = 0;
        using (var reader = MemberFileReader.Open(File.OpenRead(c.V2), MemberFileFormat.Csv))
        {
            var columns = chain.SourceFields.Select(reader.Schema.IndexOf).ToArray();
            while (reader.Read())
            {
                foreach (var column in columns)
                {
                    rows += reader.Value(column).Length;
                }
            }
        }

        report.Time("parse v2 only (Sep: rows found, the chain's columns cleaned, as spans)", watch.Elapsed);

        watch.Restart();
        var builder = new SnapshotBuilder(c.Churn.MembersAfter);
        var resolved = new ResolvedMember();
        using (var reader = MemberFileReader.Open(File.OpenRead(c.V2), MemberFileFormat.Csv))
        {
            while (reader.Read())
            {
                if (chain.TryResolve(reader, resolved))
                {
                    builder.Add(resolved.EncodedKey, resolved.Payload, resolved.HasPayload);
                }
            }
        }

        report.Time("parse v2 + IdentifierChain.TryResolve (key and payload into buffers) + SnapshotBuilder.Add (hash, UTF-8 arena)", watch.Elapsed);
        var n = builder.Added;
        watch.Restart();
        var current = builder.BuildPacked();
        report.Time("SnapshotBuilder.BuildPacked (sort by hash in top-byte ranges on both cores, dedupe)", watch.Elapsed);

        var hashes = new ulong[n];
        var random = new Random(n);
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (ulong)random.NextInt64();
        }

        watch.Restart();
        Array.Sort(hashes);
        report.Time("  for comparison: Array.Sort of N random 64-bit integers alone", watch.Elapsed);
        hashes = null;

        var manifest = (await host.Snapshots.GetManifestAsync(c.SyncId, cancellationToken))?.Value
            ?? throw new InvalidOperationException("no manifest: run setup first");
        var baseSegment = manifest.Base ?? throw new InvalidOperationException("the manifest has no base segment");
        watch.Restart();
        var chunks = await host.Snapshots.ReadSegmentAsync(c.SyncId, baseSegment.SegmentId, cancellationToken);
        report.Time(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"read the base segment from Table Storage ({chunks.Count} chunk(s), {chunks.Sum(x => (long)x.Length) / MiB:F1} MB)"),
            watch.Elapsed);

        watch.Restart();
        using (var cursor = SnapshotCursor.Over(chunks))
        {
            while (cursor.MoveNext())
            {
            }
        }

        report.Time("stream the base segment alone (SnapshotCursor: inflate the next chunk ahead, hash, order check)", watch.Elapsed);

        watch.Restart();
        long inflated = 0;
        foreach (var chunk in chunks)
        {
            using var input = IsZLib(chunk)
                ? (Stream)new ZLibStream(new MemoryStream(chunk), CompressionMode.Decompress)
                : new DeflateStream(new MemoryStream(chunk), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            inflated += output.Length;
        }

        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  for comparison: inflate only, one thread ({inflated / MiB:F1} MB raw)"), watch.Elapsed);

        watch.Restart();
        var changes = new List<SnapshotChange>();
        using (var cursor = SnapshotCursor.Over(chunks))
        {
            SnapshotDiff.Compute(cursor, current, full: false, changes);
        }

        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SnapshotDiff.Compute, streamed baseline against the packed cohort ({changes.Count:N0} changes)"), watch.Elapsed);

        watch.Restart();
        var encoded = 0;
        foreach (var batch in changes.Chunk(Math.Max(1, sync.BatchSize ?? 1000)))
        {
            encoded += SnapshotCodec.Encode(batch).Count;
        }

        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SnapshotCodec.Encode of the batches ({encoded} chunk(s))"), watch.Elapsed);

        watch.Restart();
        var writer = new ChangeSetWriter();
        foreach (var change in changes)
        {
            writer.Add(change);
        }

        var delta = writer.Finish();
        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ChangeSetWriter: the delta Commit writes ({delta.Chunks.Count} chunk(s))"), watch.Elapsed);

        watch.Restart();
        var compacted = new SnapshotEncoder();
        using (var cursor = SnapshotCursor.Merge([SnapshotCursor.Over(chunks), SnapshotCursor.Over(delta.Chunks)]))
        {
            while (cursor.MoveNext())
            {
                compacted.Write(ChangeKind.Add, cursor.Key, cursor.Payload, cursor.HasPayload);
            }
        }

        var full = compacted.Finish();
        report.Time(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  for reference: a compaction, base and delta merged into a new base ({full.Count} chunk(s))"), watch.Elapsed);
        report.Set("rows", rows);
        return report;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static IEnumerable<MemberRecord> ReadMembers(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        foreach (var member in MemberFileReader.Read(stream, MemberFileFormat.Csv))
        {
            yield return member;
        }
    }

    // The codec's chunks are zlib (RFC 1950) since the checksum was added; raw Deflate before. Tell them apart by the header.
    private static bool IsZLib(byte[] chunk) => chunk.Length >= 2 && (chunk[0] & 0x0F) == 8 && ((chunk[0] << 8) | chunk[1]) % 31 == 0;

    // CPU time of this process (every thread: the activity, the codec's parallel loops, the GC): unlike wall time, it
    // barely moves when other work competes for the cores.
    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static long WorkingSet()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private sealed class ChildContext
    {
        public ChildContext(BenchOptions o)
        {
            Storage = o.Require(o.Storage, "--storage");
            WorkDir = o.Require(o.WorkDir, "--dir");
            Prefix = o.Require(o.TablePrefix, "--prefix");
            SyncId = o.Require(o.SyncId, "--sync");
            RunId = o.Require(o.RunId, "--run");
            V1 = o.Require(o.V1Path, "--v1");
            V2 = o.Require(o.V2Path, "--v2");
            NaiveRows = o.NaiveRows;
            Warm = o.Warm;
            Churn = new ChurnPlan(o.Members, o.Churn, o.Seed);
        }

        public string Storage { get; }

        public string WorkDir { get; }

        public string Prefix { get; }

        public string SyncId { get; }

        public string RunId { get; }

        public string V1 { get; }

        public string V2 { get; }

        public int NaiveRows { get; }

        public bool Warm { get; }

        public ChurnPlan Churn { get; }
    }
}
