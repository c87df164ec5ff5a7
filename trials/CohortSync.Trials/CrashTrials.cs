using System.Diagnostics;
using System.Globalization;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox;
using CohortSync.Testing;

namespace CohortSync.Trials;

/// <summary>Where a crash trial kills the host.</summary>
public enum KillPhase
{
    /// <summary>A random moment after the run record exists, before any batch is sent.</summary>
    Prepare,

    /// <summary>As the sandbox receives a random request of the sends.</summary>
    Send,

    /// <summary>A random moment after the last batch is recorded, while Commit writes the baseline and the run report.</summary>
    Commit,
}

/// <summary>What to run.</summary>
/// <param name="Trials">Trials (each: a first run killed and resumed, then an incremental run killed and resumed).</param>
/// <param name="Members">Cohort size.</param>
/// <param name="Seed">Seed of every random choice (printed).</param>
/// <param name="Destinations">Destinations to rotate through (webhook, braze).</param>
/// <param name="Churn">Share of the cohort that changes before the second run (half leave, as many enter).</param>
public sealed record CrashOptions(int Trials = 20, int Members = 100_000, int Seed = 7, IReadOnlyList<string>? Destinations = null, double Churn = 0.01);

/// <summary>One trial's findings.</summary>
public sealed record CrashTrialResult
{
    /// <summary>Trial number, from 1.</summary>
    public int Number { get; init; }

    /// <summary>Destination.</summary>
    public required string Destination { get; init; }

    /// <summary>Where the kill was aimed.</summary>
    public KillPhase Aimed { get; init; }

    /// <summary>Where the stored state shows the run was when the process died.</summary>
    public required string Observed { get; init; }

    /// <summary>Where the kill of the incremental run was aimed.</summary>
    public KillPhase AimedIncremental { get; init; }

    /// <summary>Where the stored state shows the incremental run was when the process died.</summary>
    public required string ObservedIncremental { get; init; }

    /// <summary>Cohort members checked against the destination, the baseline and the delivery counts (both runs).</summary>
    public int MembersChecked { get; init; }

    /// <summary>Members delivered twice because their batch was in flight at the kill.</summary>
    public int ResentInFlight { get; init; }

    /// <summary>New members of the incremental run delivered twice because their batch was in flight at its kill.</summary>
    public int ResentInFlightIncremental { get; init; }

    /// <summary>Batches in flight at the kill that were delivered (in part) twice.</summary>
    public int ResentBatches { get; init; }

    /// <summary>The bound on <see cref="ResentInFlight"/>: parallel sends times the largest batch.</summary>
    public int Bound { get; init; }

    /// <summary>Members delivered more than once outside the in-flight batches, or more than twice.</summary>
    public int BeyondInFlight { get; init; }

    /// <summary>Cohort members missing from the destination.</summary>
    public int Lost { get; init; }

    /// <summary>Every failed check, in words.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>From each restart of the killed command to the end of the run it resumed (the engine takes the dead
    /// process's work up once its locks and lease lapse: <see cref="Settings.RecoveryTimeout"/>).</summary>
    public IReadOnlyList<TimeSpan> Recoveries { get; init; } = [];
}

/// <summary>
/// Crash trials: the <c>cohortsync</c> command as a real process on Azurite and the sandbox syncs a cohort, is
/// killed with SIGKILL during Prepare, the sends or Commit, and is started again; its runner resumes the run. Then the
/// destination's membership must equal the cohort, the stored baseline must equal what was delivered, and no member may have
/// been delivered more than once except the members of batches in flight at the kill. A second, incremental run with churn
/// follows, which must send exactly the change.
/// </summary>
public static class CrashTrials
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs the trials and prints a line per trial and the totals.</summary>
    public static async Task<IReadOnlyList<CrashTrialResult>> RunAsync(string connectionString, SandboxHost sandbox, CrashOptions options, TrialLog log)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var names = options.Destinations is { Count: > 0 } d ? d : ["webhook", "braze"];
        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"crash trials: {options.Trials} x {InProcessHost.N(options.Members)} members, destinations {string.Join(", ", names)}, seed {options.Seed}, load average {TrialLog.LoadAverage()}"));
        var dir = Directory.CreateTempSubdirectory("cohortsync-crash-").FullName;
        var results = new List<CrashTrialResult>();
        try
        {
            for (var i = 0; i < options.Trials; i++)
            {
                var destination = TrialDestination.Create(names[i % names.Count], BatchSizeFor(names[i % names.Count]));
                var result = await RunTrialAsync(connectionString, sandbox, options, i, destination, (KillPhase)(i % 3), dir);
                results.Add(result);
                log.Line(Describe(result, options.Trials));
                foreach (var problem in result.Problems)
                {
                    log.Line("    PROBLEM: " + problem);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        log.Line(string.Create(CultureInfo.InvariantCulture,
            $"crash totals: trials {results.Count}, members checked {InProcessHost.N(results.Sum(r => r.MembersChecked))}, resent in flight {InProcessHost.N(results.Sum(r => r.ResentInFlight + r.ResentInFlightIncremental))}, duplicates beyond in-flight: {results.Sum(r => r.BeyondInFlight)}, lost: {results.Sum(r => r.Lost)}, failed checks: {results.Sum(r => r.Problems.Count)}; restart to end of run: median {Median(results.SelectMany(r => r.Recoveries)):F1} s, max {results.SelectMany(r => r.Recoveries).DefaultIfEmpty().Max().TotalSeconds:F1} s; kills observed: first runs {string.Join(", ", results.GroupBy(r => r.Observed).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " " + g.Count()))}; incremental runs {string.Join(", ", results.GroupBy(r => r.ObservedIncremental).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " " + g.Count()))}; seed {options.Seed}, load average {TrialLog.LoadAverage()}"));
        return results;
    }

    // Webhook: one request per batch of 1,000. Braze: 5,000 a batch in five requests, so a kill can land inside a batch.
    private static double Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Select(v => v.TotalSeconds).Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static int BatchSizeFor(string destination) => destination == "braze" ? 5000 : 1000;

    private static string Describe(CrashTrialResult r, int of) => string.Create(CultureInfo.InvariantCulture,
        $"trial {r.Number,2}/{of} {r.Destination,-8} aimed {r.Aimed,-7} killed in {r.Observed,-13} then {r.AimedIncremental,-7} killed in {r.ObservedIncremental,-13} checked {InProcessHost.N(r.MembersChecked),9}  resent {InProcessHost.N(r.ResentInFlight),6} in {r.ResentBatches} batch(es) (bound {InProcessHost.N(r.Bound)}) + {InProcessHost.N(r.ResentInFlightIncremental)} in the incremental run  beyond in-flight {r.BeyondInFlight}  lost {r.Lost}  restart to end {string.Join(" + ", r.Recoveries.Select(t => t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)))} s  {r.Elapsed.TotalSeconds,5:F1} s  {(r.Problems.Count == 0 ? "ok" : "FAILED")}");

    private static async Task<CrashTrialResult> RunTrialAsync(
        string connectionString, SandboxHost sandbox, CrashOptions options, int index, TrialDestination destination, KillPhase phase, string dir)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(HashCode.Combine(options.Seed, index));
        var problems = new List<string>();
        var syncId = "crash" + (index + 1).ToString(CultureInfo.InvariantCulture);
        var churn = Math.Max(1, (int)(options.Members * options.Churn / 2));
        destination.Reset(sandbox);
        destination.Seed(sandbox, Enumerable.Range(0, options.Members + churn));
        var (definition, secrets) = destination.Define(sandbox, syncId);
        await using var state = await InProcessHost.StartAsync(connectionString, InProcessHost.NewTablePrefix(), secrets, engine: false);
        var cohortPath = Path.Combine(dir, syncId + ".csv");
        var cohortA = Enumerable.Range(0, options.Members).ToList();
        Cohorts.Write(cohortPath, cohortA);
        await state.DefineAsync(syncId, definition, cohortPath, destination);

        // First run, killed where aimed.
        var faults = destination.Faults(sandbox);
        var killed = await RunAndKillAsync(state, destination, faults, syncId, phase, options.Members, random);
        faults.RequestSeen = null;
        var (observed, inFlight, maxParallel, largestBatch) = await ObserveAsync(state, syncId);
        if (!killed)
        {
            observed = "none (ended first)";
        }

        // Restart: the engine takes the unfinished run up again from the task hub, and the command follows it to the end.
        var recoveries = new List<TimeSpan>();
        var restart = Stopwatch.StartNew();
        await RunToEndAsync(state, syncId, problems, "the restarted run");
        recoveries.Add(restart.Elapsed);
        var run1 = await state.LatestRunAsync(syncId);
        var expectedA = cohortA.Select(destination.KeyOf).ToHashSet(StringComparer.Ordinal);
        var check1 = await CheckAsync(state, sandbox, destination, syncId, run1, expectedA, problems, "run 1");
        var afterFirst = destination.Deliveries(sandbox, syncId)?.ToDictionary(StringComparer.Ordinal);
        int resent = 0, resentBatches = 0, beyond = 0;
        if (afterFirst is not null)
        {
            var batchesWithResends = new HashSet<int>();
            foreach (var key in expectedA)
            {
                var count = afterFirst.GetValueOrDefault(key);
                if (count <= 1)
                {
                    continue;
                }

                if (count == 2 && inFlight.TryGetValue(key, out var batch))
                {
                    resent++;
                    batchesWithResends.Add(batch);
                }
                else
                {
                    beyond++;
                }
            }

            resentBatches = batchesWithResends.Count;
            if (resentBatches > maxParallel)
            {
                problems.Add($"{resentBatches} batches were resent, more than the {maxParallel} sends that can be in flight");
                beyond += resent;
                resent = 0;
            }
        }

        // Second run: 1% churn, no kill; exactly the change is sent.
        var removed = cohortA.OrderBy(_ => random.Next()).Take(churn).ToHashSet();
        var added = Enumerable.Range(options.Members, churn).ToList();
        var cohortB = cohortA.Where(n => !removed.Contains(n)).Concat(added).ToList();
        Cohorts.Write(cohortPath, cohortB);

        // The incremental run is killed too, at another phase: a resumed delta commit must not apply its changes twice.
        var phase2 = (KillPhase)(((int)phase + 1 + random.Next(2)) % 3);
        var killed2 = await RunAndKillAsync(state, destination, faults, syncId, phase2, 2 * churn, random, run1?.RunId, settleMs: 5);
        faults.RequestSeen = null;
        var (observed2, inFlight2, maxParallel2, largestBatch2) = await ObserveAsync(state, syncId, run1?.RunId);
        if (killed2 && observed2 != "after commit")
        {
            restart.Restart();
            await RunToEndAsync(state, syncId, problems, "the restarted incremental run");
            recoveries.Add(restart.Elapsed);
        }
        else if (!killed2)
        {
            observed2 = "none (ended first)";
        }

        var run2 = await state.LatestRunAsync(syncId);
        var expectedB = cohortB.Select(destination.KeyOf).ToHashSet(StringComparer.Ordinal);
        var check2 = await CheckAsync(state, sandbox, destination, syncId, run2, expectedB, problems, "run 2");
        if (run2?.Plan is { } plan2 && (plan2.Adds, plan2.Removes) != (churn, churn))
        {
            problems.Add($"run 2 planned {plan2.Adds} adds and {plan2.Removes} removes, not {churn} and {churn}");
        }

        var resentIncremental = 0;
        if (afterFirst is not null && destination.Deliveries(sandbox, syncId) is { } afterSecond)
        {
            var addedKeys = added.Select(destination.KeyOf).ToHashSet(StringComparer.Ordinal);
            var resentUnchanged = afterSecond.Count(d => !addedKeys.Contains(d.Key) && d.Value != afterFirst.GetValueOrDefault(d.Key));
            var resentAdded = addedKeys.Count(k => afterSecond.GetValueOrDefault(k) == 2 && inFlight2.ContainsKey(k));
            var addedNotOnce = addedKeys.Count(k => afterSecond.GetValueOrDefault(k) is var n && n != 1 && !(n == 2 && inFlight2.ContainsKey(k)));
            resentIncremental = resentAdded;
            if (resentAdded > maxParallel2 * largestBatch2)
            {
                problems.Add($"run 2 resent {resentAdded} member(s), more than {maxParallel2} sends of {largestBatch2}");
            }

            beyond += resentUnchanged + addedNotOnce;
            if (resentUnchanged + addedNotOnce > 0)
            {
                problems.Add($"run 2 sent {resentUnchanged} unchanged member(s) again and {addedNotOnce} new member(s) other than once (or twice when in flight at its kill)");
            }
        }

        if (beyond > 0)
        {
            problems.Add($"{beyond} member(s) delivered more than once outside the batches in flight at the kill");
        }

        return new CrashTrialResult
        {
            Number = index + 1,
            Destination = destination.Name,
            Aimed = phase,
            Observed = observed,
            AimedIncremental = phase2,
            ObservedIncremental = observed2,
            MembersChecked = check1.Checked + check2.Checked,
            ResentInFlight = resent,
            ResentInFlightIncremental = resentIncremental,
            ResentBatches = resentBatches,
            Bound = maxParallel * largestBatch,
            BeyondInFlight = beyond,
            Lost = check1.Lost + check2.Lost,
            Problems = problems,
            Elapsed = clock.Elapsed,
            Recoveries = recoveries,
        };
    }

    // Starts the command and kills it where aimed; false when it ended before the kill.
    private static async Task<bool> RunAndKillAsync(
        InProcessHost state, TrialDestination destination, Sandbox.Faults.FaultPlan faults, string syncId, KillPhase phase, int members, Random random, string? previousRunId = null, int settleMs = 50)
    {
        LocalHostProcess? process = null;
        var kill = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void KillNow()
        {
            process?.Kill();
            kill.TrySetResult();
        }

        faults.Reset();
        if (phase == KillPhase.Send)
        {
            // Killed as the sandbox receives this request: the requests in flight then are the ones resent on resume.
            var sends = Math.Max(1, members / 1000);
            var target = destination.SetupRequests + 1 + random.Next(Math.Max(1, sends * 9 / 10));
            faults.RequestSeen = n =>
            {
                if (n == target)
                {
                    KillNow();
                }
            };
        }

        using (process = LocalHostProcess.Start(state.Settings, "run", "--sync", syncId))
        {
            var exited = process.WaitForExitAsync(RunTimeout);
            var aim = phase switch
            {
                KillPhase.Prepare => AimAtPrepareAsync(state, syncId, previousRunId, random.NextDouble() * Math.Min(members / 200.0, 500), KillNow, exited),
                KillPhase.Commit => AimAtCommitAsync(state, destination, faults, syncId, previousRunId, settleMs + (random.NextDouble() * Math.Min(members / 200.0, 150)), KillNow, exited),
                _ => Task.CompletedTask,
            };
            await Task.WhenAny(kill.Task, exited);
            await aim;
            await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            return process.Killed;
        }
    }

    // Polls (a condition, bounded by the process's life) until the run record exists, waits the random delay, kills.
    private static async Task AimAtPrepareAsync(InProcessHost state, string syncId, string? previousRunId, double delayMs, Action killNow, Task exited)
    {
        await Eventually.UntilAsync(
            async () => exited.IsCompleted || (await state.LatestRunAsync(syncId) is { } run && run.RunId != previousRunId),
            RunTimeout,
            $"sync {syncId}'s new run record or the host's exit");
        if (!exited.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(delayMs));
            killNow();
        }
    }

    // Once Prepare has stored the plan and its batches, counts the run's requests from the stored batch sizes and kills a
    // moment after the sandbox receives the last one (a settling time for the sends still in flight to be recorded: 50 ms
    // for a first run, 5 ms for an incremental one whose Commit is short; plus the random delay): Commit starts as soon as
    // every batch's outcome is recorded. A kill that comes after the run finished is reported as "after commit".
    private static async Task AimAtCommitAsync(
        InProcessHost state, TrialDestination destination, Sandbox.Faults.FaultPlan faults, string syncId, string? previousRunId, double delayMs, Action killNow, Task exited)
    {
        var planned = await Eventually.UntilAsync(
            async () => exited.IsCompleted ? null : await state.LatestRunAsync(syncId),
            run => exited.IsCompleted || (run is { Plan: not null } && run.RunId != previousRunId),
            RunTimeout,
            $"sync {syncId}'s new run to store its plan, or the host's exit");
        if (!exited.IsCompleted && planned is { Plan: not null } run)
        {
            var batches = await state.Store.ListBatchesAsync(run.RunId);
            var last = destination.SetupRequests + batches.Sum(b => destination.RequestsPerBatch(b.Changes.Count));
            var fired = 0;
            void Fire()
            {
                if (Interlocked.Exchange(ref fired, 1) == 0)
                {
                    _ = Task.Delay(TimeSpan.FromMilliseconds(delayMs)).ContinueWith(_ => killNow(), TaskScheduler.Default);
                }
            }

            faults.RequestSeen = n =>
            {
                if (n >= last)
                {
                    Fire();
                }
            };
            if (faults.Seen >= last)
            {
                Fire();
            }
        }
    }

    // Reads the state the dead process left: where the run was, and the members of the batches not yet recorded.
    private static async Task<(string Observed, Dictionary<string, int> InFlight, int MaxParallel, int LargestBatch)> ObserveAsync(InProcessHost state, string syncId, string? previousRunId = null)
    {
        var run = await state.LatestRunAsync(syncId);
        if (run is null || run.RunId == previousRunId)
        {
            return ("start", [], 0, 0);
        }

        if (run.Plan is not { } plan)
        {
            return (run.Status.IsTerminal() ? "after commit" : "prepare", [], 4, 0);
        }

        var batches = await state.Store.ListBatchesAsync(run.RunId);
        var inFlight = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var batch in batches.Where(b => b.Outcome is null))
        {
            foreach (var change in batch.Changes)
            {
                inFlight[DestinationKey.Decode(change.Entry.Key).Value] = batch.Number;
            }
        }

        var largest = batches.Count == 0 ? 0 : batches.Max(b => b.Changes.Count);
        var observed = run.Status.IsTerminal() ? "after commit"
            : batches.Count(b => b.Outcome is not null) < plan.BatchCount ? "send"
            : "commit";
        return (observed, inFlight, plan.MaxParallelSends, largest);
    }

    private static async Task RunToEndAsync(InProcessHost state, string syncId, List<string> problems, string what)
    {
        using var process = LocalHostProcess.Start(state.Settings, "run", "--sync", syncId);
        var exit = await process.WaitForExitAsync(RunTimeout);
        if (exit != 0)
        {
            problems.Add($"{what} exited {exit}: {process.Tail(12)}");
        }
    }

    private static async Task<(int Checked, int Lost)> CheckAsync(
        InProcessHost state, SandboxHost sandbox, TrialDestination destination, string syncId, RunRecord? run, HashSet<string> expected, List<string> problems, string what)
    {
        if (run is null || run.Status != RunStatus.Completed || run.Error is not null)
        {
            problems.Add($"{what} is {run?.Status.ToString() ?? "missing"}{(run?.Error is { } e ? ": " + e : string.Empty)}");
            return (0, expected.Count);
        }

        var members = await destination.MembersAsync(sandbox, syncId, run);
        var lost = expected.Count(k => !members.Contains(k));
        var extra = members.Count(k => !expected.Contains(k));
        if (lost + extra > 0)
        {
            problems.Add($"{what}: the destination lacks {lost} member(s) of the cohort and holds {extra} who are not in it");
        }

        var baseline = await state.BaselineValuesAsync(syncId);
        if (!baseline.SetEquals(members))
        {
            problems.Add($"{what}: the baseline ({baseline.Count}) differs from what was delivered ({members.Count}): {baseline.Except(members).Count()} only in the baseline, {members.Except(baseline).Count()} only at the destination");
        }

        return (expected.Count, lost);
    }
}
