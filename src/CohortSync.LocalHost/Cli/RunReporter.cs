using System.Diagnostics;
using System.Globalization;
using CohortSync.Core.Application;
using CohortSync.Core.Runs;
using Spectre.Console;

namespace CohortSync.LocalHost.Cli;

/// <summary>Shows a run's progress while it runs and its summary at the end.</summary>
internal sealed class RunReporter
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly RunService _runs;
    private readonly IAnsiConsole _console;

    public RunReporter(RunService runs, IAnsiConsole console)
    {
        _runs = runs;
        _console = console;
    }

    /// <summary>Follows a run until it ends or waits for approval; returns its last progress.</summary>
    public async Task<RunProgress> FollowAsync(string runId, Task running, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        RunProgress progress;
        if (_console.Profile.Capabilities.Interactive)
        {
            progress = await FollowInteractiveAsync(runId, running, cancellationToken);
        }
        else
        {
            progress = await FollowPlainAsync(runId, running, cancellationToken);
        }

        WriteSummary(progress, clock.Elapsed);
        return progress;
    }

    private async Task<RunProgress> FollowInteractiveAsync(string runId, Task running, CancellationToken cancellationToken)
    {
        RunProgress progress = null!;
        await _console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("preparing");
                while (true)
                {
                    progress = await _runs.GetProgressAsync(runId, cancellationToken);
                    if (progress.Run.Plan is { } plan)
                    {
                        task.Description = "sending batches";
                        task.MaxValue = Math.Max(1, plan.BatchCount);
                        task.Value = plan.BatchCount == 0 ? 1 : progress.BatchesSettled;
                    }

                    if (IsSettled(progress.Run) || running.IsCompleted)
                    {
                        task.Value = task.MaxValue;
                        break;
                    }

                    await Task.Delay(PollInterval, cancellationToken);
                }
            });
        return await FinalAsync(runId, running, cancellationToken);
    }

    private async Task<RunProgress> FollowPlainAsync(string runId, Task running, CancellationToken cancellationToken)
    {
        var last = string.Empty;
        while (true)
        {
            var progress = await _runs.GetProgressAsync(runId, cancellationToken);
            var line = progress.Run.Plan is { } plan
                ? string.Create(CultureInfo.InvariantCulture, $"progress: {progress.Run.Status}, {progress.BatchesSettled}/{plan.BatchCount} batches sent")
                : $"progress: {progress.Run.Status}, preparing";
            if (line != last)
            {
                _console.WriteLine(line);
                last = line;
            }

            if (IsSettled(progress.Run) || running.IsCompleted)
            {
                return await FinalAsync(runId, running, cancellationToken);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private async Task<RunProgress> FinalAsync(string runId, Task running, CancellationToken cancellationToken)
    {
        var progress = await _runs.GetProgressAsync(runId, cancellationToken);
        if (!IsSettled(progress.Run))
        {
            await running.WaitAsync(cancellationToken);
            progress = await _runs.GetProgressAsync(runId, cancellationToken);
        }

        return progress;
    }

    private static bool IsSettled(RunRecord run) => run.Status.IsTerminal() || run.Status == RunStatus.AwaitingApproval;

    private void WriteSummary(RunProgress progress, TimeSpan elapsed)
    {
        var run = progress.Run;
        var plan = run.Plan ?? new RunPlan();
        if (run.FinishedAt is { } finished)
        {
            elapsed = finished - run.CreatedAt;
        }

        var outcome = run.Outcome ?? new RunOutcome();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("count").RightAligned()).AddColumn("detail");
        table.Title = new TableTitle($"{Markup.Escape(run.RunId)}: [bold]{Markup.Escape(Headline(run))}[/] in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        Add(table, "members", plan.Members, plan.Duplicates > 0 ? $"{plan.Duplicates:N0} duplicate keys dropped" : string.Empty);
        Add(table, "adds", plan.Adds, string.Empty);
        Add(table, "removes", plan.Removes, plan.Guarded ? "over the guardrail: held for approval" : string.Empty);
        Add(table, "updates", plan.Updates, string.Empty);
        Add(table, "unmatched", plan.Unmatched, Reasons(plan.SkipReasons.Where(r => r.Key.StartsWith("no value", StringComparison.Ordinal))));
        Add(table, "invalid", plan.Invalid, Reasons(plan.SkipReasons.Where(r => !r.Key.StartsWith("no value", StringComparison.Ordinal))) is { Length: > 0 } invalid ? "never sent: " + invalid : string.Empty);
        Add(table, "rejected", outcome.Rejected, Reasons(outcome.RejectReasons));
        Add(table, "failed", outcome.Failed, outcome.FailedBatches > 0 ? $"{outcome.FailedBatches} batch(es); pending for the next run" : string.Empty);
        if (outcome.Skipped > 0)
        {
            Add(table, "skipped", outcome.Skipped, "settled for good, not sent again: " + Reasons(outcome.SkippedReasons));
        }

        if (outcome.DataPoints is { } points)
        {
            Add(table, "data points", points, "asked of the vendor, which bills them (one per attribute written)");
        }

        if (outcome.UncertainAfter > 0)
        {
            Add(table, "uncertain", outcome.UncertainAfter, "delivery not confirmed: sent again next run (added if still in the cohort, removed if not)");
        }

        Add(table, "accepted", outcome.Accepted, $"baseline {plan.Baseline:N0} -> {(run.Outcome is null ? plan.Baseline : outcome.BaselineAfter):N0}");
        Add(table, "batches", progress.BatchesSettled, $"of {plan.BatchCount:N0}");
        _console.Write(table);
        foreach (var note in plan.Notes)
        {
            _console.MarkupLineInterpolated($"[grey]note:[/] {note}");
        }

        if (run.Error is not null)
        {
            _console.MarkupLineInterpolated($"[red]error:[/] {run.Error}");
        }
    }

    /// <summary>
    /// The summary's title: the run's status in words, with the counts that explain it (for example "Completed with 12
    /// members rejected", or "Partly failed: 2 of 10 batches failed; 4,000 changes pending for the next run").
    /// </summary>
    internal static string Headline(RunRecord run)
    {
        var outcome = run.Outcome ?? new RunOutcome();
        var batches = run.Plan?.BatchCount ?? 0;
        return run.Status switch
        {
            RunStatus.Pending => "Pending: not yet prepared",
            RunStatus.Sending => "Sending",
            RunStatus.AwaitingApproval => "Awaiting approval: the removals are over the guardrail; nothing sent until approved",
            RunStatus.Completed => "Completed",
            RunStatus.CompletedWithRejections => F($"Completed with {Count(outcome.Rejected, "member")} rejected"),
            RunStatus.PartlyFailed => F($"Partly failed: {outcome.FailedBatches:N0} of {Count(batches, "batch")} failed; {Count(outcome.Failed, "change")} pending for the next run")
                + (outcome.Rejected > 0 ? F($"; {Count(outcome.Rejected, "member")} rejected") : string.Empty),
            RunStatus.Failed when outcome.FailedBatches > 0 =>
                F($"Failed: {outcome.FailedBatches:N0} of {Count(batches, "batch")} failed and no change was accepted; {Count(outcome.Failed, "change")} pending for the next run"),
            RunStatus.Failed => "Failed",
            RunStatus.DryRunCompleted => "Dry run completed: nothing sent",
            RunStatus.Rejected => (run.Decision?.By is { Length: > 0 } by ? "Rejected by " + by : "Rejected") + " at approval: nothing sent",
            _ => run.Status.ToString(),
        };
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Count(int count, string noun) =>
        F($"{count:N0} {noun}{(count == 1 ? string.Empty : noun.EndsWith("ch", StringComparison.Ordinal) ? "es" : "s")}");

    private static void Add(Table table, string name, int count, string detail) =>
        table.AddRow(name, count.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(detail));

    private static string Reasons(IEnumerable<KeyValuePair<string, int>> reasons) =>
        string.Join("; ", reasons.OrderByDescending(r => r.Value).Take(3).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key}: {r.Value:N0}")));
}
