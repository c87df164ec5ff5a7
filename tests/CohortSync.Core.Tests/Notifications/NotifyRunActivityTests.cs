using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow.Activities;
using CohortSync.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Notifications;

/// <summary>The notify activity with the sender port scripted: which targets get an event, retries, and the run's record.</summary>
public sealed class NotifyRunActivityTests
{
    private const string RunId = "trials.20260310T110000.s";
    private static readonly NotificationTarget Hook = new() { Type = "webhook", Url = "https://ops.example.test/hook", SecretName = "notify-key" };
    private static readonly NotificationTarget Chat = new() { Type = "slack", SecretName = "slack-url", Events = [NotificationEvents.Failed] };

    private readonly Mock<ISyncStore> _store = new();
    private readonly Mock<INotificationSender> _sender = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 11, 0, 0, TimeSpan.Zero));
    private readonly NotificationOptions _options = new() { MaxAttempts = 3, FirstRetryDelay = TimeSpan.FromSeconds(1) };
    private readonly List<(NotificationTarget Target, string Event)> _sent = [];
    private RunRecord _run = new() { RunId = RunId, SyncId = "trials", Trigger = "manual", Status = RunStatus.Completed, Notify = true };
    private SyncDefinition _sync = new()
    {
        Id = "trials",
        Name = "Trial users",
        DestinationId = "hook",
        Source = new SourceDefinition("file", "/data/trials.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Notifications = [Hook, Chat],
    };

    public NotifyRunActivityTests()
    {
        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<RunRecord>(_run, "etag"));
        _store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), "etag", It.IsAny<CancellationToken>()))
            .Callback<RunRecord, string?, CancellationToken>((r, _, _) => _run = r)
            .ReturnsAsync("etag");
        _store.Setup(s => s.GetSyncAsync("trials", It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<SyncDefinition>(_sync, "e"));
        _store.Setup(s => s.GetDestinationAsync("hook", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<DestinationDefinition>(new DestinationDefinition { Id = "hook", Name = "h", Type = "webhook" }, "e"));
    }

    [Fact]
    public async Task RunAsync_Event_GoesToEachTargetThatTakesIt_SyncsFirstThenDefaults_AndIsRecorded()
    {
        // Arrange
        _options.Defaults.Add(new NotificationTarget { Type = "teams", Url = "https://teams.test/x", Events = [NotificationEvents.Completed] });
        Answer((_, _) => NotificationAttempt.Success);

        // Act
        var result = await Activity().RunAsync(new NotifyRunInput(RunId, NotificationEvents.Completed), CancellationToken.None);

        // Assert: the chat target takes failures only.
        Assert.Equal(new NotifyRunResult(2, 2, 0), result);
        Assert.Equal(["webhook", "teams"], _sent.Select(s => s.Target.Type));
        Assert.Equal(
            [("sync[0]", "webhook", true, 1), ("default[0]", "teams", true, 1)],
            _run.Notifications!.Select(n => (n.Target, n.Type, n.Delivered, n.Attempts)));
        Assert.Equal(RunStatus.Completed, _run.Status);
    }

    [Fact]
    public async Task RunAsync_TargetDown_RetriesWithADoublingWaitThenRecordsTheFailureWithoutThrowing()
    {
        // Arrange
        Answer((_, _) => new NotificationAttempt(false, true, "HTTP 503 (Service Unavailable)"));
        var activity = Activity();

        // Act: the waits are 1 s, then 2 s.
        var running = activity.RunAsync(new NotifyRunInput(RunId, NotificationEvents.Completed), CancellationToken.None);
        await Eventually.UntilAsync(() => Sent() == 1, TimeSpan.FromSeconds(10), "the first attempt");
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => Sent() == 2, TimeSpan.FromSeconds(10), "the second attempt, a second later");
        _time.Advance(TimeSpan.FromSeconds(1));
        var stillTwo = Sent();
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await running.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(2, stillTwo);
        Assert.Equal(3, Sent());
        Assert.Equal(new NotifyRunResult(1, 0, 1), result);
        var record = Assert.Single(_run.Notifications!);
        Assert.Equal(("sync[0]", NotificationEvents.Completed, false, 3, "HTTP 503 (Service Unavailable)"), (record.Target, record.Event, record.Delivered, record.Attempts, record.Error));
        Assert.Equal(RunStatus.Completed, _run.Status);
    }

    [Fact]
    public async Task RunAsync_FinalRefusal_IsNotRetried()
    {
        // Arrange
        Answer((_, _) => new NotificationAttempt(false, false, "HTTP 401 (Unauthorized)"));

        // Act
        var result = await Activity().RunAsync(new NotifyRunInput(RunId, NotificationEvents.Failed), CancellationToken.None);

        // Assert
        Assert.Equal(new NotifyRunResult(2, 0, 2), result);
        Assert.Equal(2, Sent());
        Assert.All(_run.Notifications!, n => Assert.Equal((false, 1), (n.Delivered, n.Attempts)));
    }

    [Fact]
    public async Task RunAsync_NoAnswerWithinTheTimeout_CountsAsARetryableFailure()
    {
        // Arrange
        _options.MaxAttempts = 1;
        _options.RequestTimeout = TimeSpan.FromSeconds(5);
        _sender.Setup(s => s.SendAsync(It.IsAny<NotificationTarget>(), It.IsAny<NotificationMessage>(), It.IsAny<CancellationToken>()))
            .Returns<NotificationTarget, NotificationMessage, CancellationToken>(async (t, m, ct) =>
            {
                lock (_sent)
                {
                    _sent.Add((t, m.Event));
                }

                await Task.Delay(Timeout.Infinite, ct);
                return NotificationAttempt.Success;
            });

        // Act
        var running = Activity().RunAsync(new NotifyRunInput(RunId, NotificationEvents.Completed), CancellationToken.None);
        await Eventually.UntilAsync(() => Sent() == 1, TimeSpan.FromSeconds(10), "the attempt");
        _time.Advance(TimeSpan.FromSeconds(5));
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal("no answer within 5 s", Assert.Single(_run.Notifications!).Error);
    }

    [Fact]
    public async Task RunAsync_AgainAfterACrash_SkipsTargetsAlreadyDeliveredAndReplacesTheirFailedRecord()
    {
        // Arrange: an earlier attempt of the activity delivered to the webhook and not to the chat target.
        _run = _run with
        {
            Notifications =
            [
                new NotificationRecord("sync[0]", "webhook", NotificationEvents.Failed, true, 1, _time.GetUtcNow()),
                new NotificationRecord("sync[1]", "slack", NotificationEvents.Failed, false, 3, _time.GetUtcNow(), "HTTP 500"),
                new NotificationRecord("sync[0]", "webhook", NotificationEvents.Started, true, 1, _time.GetUtcNow()),
            ],
        };
        Answer((_, _) => NotificationAttempt.Success);

        // Act
        await Activity().RunAsync(new NotifyRunInput(RunId, NotificationEvents.Failed), CancellationToken.None);

        // Assert
        Assert.Equal(["slack"], _sent.Select(s => s.Target.Type));
        Assert.Equal(
            [("sync[0]", NotificationEvents.Failed, true), ("sync[0]", NotificationEvents.Started, true), ("sync[1]", NotificationEvents.Failed, true)],
            _run.Notifications!.Select(n => (n.Target, n.Event, n.Delivered)));
    }

    [Fact]
    public async Task RunAsync_SyncDeleted_SendsTheDefaultsOnly()
    {
        // Arrange
        _store.Setup(s => s.GetSyncAsync("trials", It.IsAny<CancellationToken>())).ReturnsAsync((Versioned<SyncDefinition>?)null);
        _options.Defaults.Add(new NotificationTarget { Type = "teams", Url = "https://teams.test/x" });
        Answer((_, _) => NotificationAttempt.Success);

        // Act
        var result = await Activity().RunAsync(new NotifyRunInput(RunId, NotificationEvents.Failed), CancellationToken.None);

        // Assert
        Assert.Equal(new NotifyRunResult(1, 1, 0), result);
        Assert.Equal("default[0]", Assert.Single(_run.Notifications!).Target);
    }

    [Fact]
    public void Fingerprint_NotificationsEdited_IsUnchanged()
    {
        // Editing where notifications go changes nothing a run sends, so it must not make the next scheduled run happen.
        Assert.Equal(SourceVersions.Fingerprint(_sync with { Notifications = null }), SourceVersions.Fingerprint(_sync));
    }

    private NotifyRunActivity Activity() =>
        new(_store.Object, new RunRecords(_store.Object, _time), _sender.Object, _options, _time, NullLogger<NotifyRunActivity>.Instance);

    private void Answer(Func<NotificationTarget, NotificationMessage, NotificationAttempt> answer) =>
        _sender.Setup(s => s.SendAsync(It.IsAny<NotificationTarget>(), It.IsAny<NotificationMessage>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((NotificationTarget t, NotificationMessage m, CancellationToken _) =>
            {
                lock (_sent)
                {
                    _sent.Add((t, m.Event));
                }

                return answer(t, m);
            });

    private int Sent()
    {
        lock (_sent)
        {
            return _sent.Count;
        }
    }
}
