using System.Collections.Concurrent;
using DurableTask.Core;

namespace CohortSync.LocalHost.Engine;

/// <summary>
/// An orchestration service that renews an activity's work-item lock while the activity runs, and caps how many activities
/// the sidecar hands out at once. Everything else goes straight to the inner service.
/// </summary>
/// <remarks>
/// The in-process sidecar (<c>TaskHubGrpcServer</c>) never renews activity locks: an activity that outlives the work-item
/// queue's visibility timeout reappears on the queue and runs a second time at once (seen with the Azure Storage provider:
/// "being processed multiple times concurrently", then PopReceiptMismatch). The Functions host's dispatcher renews them;
/// this does the same for the local host. The renewal is stopped, and awaited, before the work item is completed or
/// abandoned, so the two never race on the message's pop receipt.
/// </remarks>
internal sealed class LockRenewingOrchestrationService : IOrchestrationService
{
    private readonly IOrchestrationService _inner;
    private readonly TimeSpan _renewEvery;
    private readonly int _maxActivities;
    private readonly ConcurrentDictionary<TaskActivityWorkItem, Renewal> _renewals = new(ReferenceEqualityComparer.Instance);

    public LockRenewingOrchestrationService(IOrchestrationService inner, TimeSpan renewEvery, int maxActivities)
    {
        _inner = inner;
        _renewEvery = renewEvery;
        _maxActivities = maxActivities;
    }

    /// <summary>Lock renewals done, for tests and logs.</summary>
    public int Renewals => _renewalCount;

    private int _renewalCount;
    private readonly Lock _stopGate = new();
    private Task? _stopping;

    public int MaxConcurrentTaskActivityWorkItems => _maxActivities;

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await _inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
        if (workItem is not null)
        {
            var renewal = new Renewal();
            renewal.Loop = RenewAsync(workItem, renewal.Stop.Token);
            _renewals[workItem] = renewal;
        }

        return workItem!;
    }

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        await StopRenewingAsync(workItem);
        await _inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        await StopRenewingAsync(workItem);
        await _inner.AbandonTaskActivityWorkItemAsync(workItem);
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) =>
        _inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task StartAsync() => _inner.StartAsync();

    // A stopped service renews nothing more: the activities it handed out are abandoned with it, and their messages come
    // back on the queue once the visibility timeout passes, for whichever worker is running then.
    public Task StopAsync() => StopOnceAsync(isForced: false);

    public Task StopAsync(bool isForced) => StopOnceAsync(isForced);

    public Task CreateAsync() => _inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => _inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => _inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => _inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => _inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        _inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => _inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => _inner.GetDelayInSecondsAfterOnFetchException(exception);

    public int TaskOrchestrationDispatcherCount => _inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => _inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => _inner.EventBehaviourForContinueAsNew;

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        _inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => _inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        _inner.CompleteTaskOrchestrationWorkItemAsync(
            workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => _inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => _inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public int TaskActivityDispatcherCount => _inner.TaskActivityDispatcherCount;

    private async Task RenewAsync(TaskActivityWorkItem workItem, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_renewEvery, stop);
                await _inner.RenewTaskActivityWorkItemLockAsync(workItem);
                Interlocked.Increment(ref _renewalCount);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A failed renewal must not end the activity: at worst the lock lapses and it runs again.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task StopRenewingAsync(TaskActivityWorkItem workItem)
    {
        if (_renewals.TryRemove(workItem, out var renewal))
        {
            await renewal.EndAsync();
        }
    }

    // Stops the backend once, whoever asks first: the sidecar's dispatcher host asks from an async void handler when its web
    // host stops, and DurableTaskSidecar asks too (so that a stopped host lets go of its partitions at once). Durable Task's
    // Azure Storage service throws NullReferenceException when stopped twice at once, and an exception there would end the
    // process; a backend that fails to stop cleanly only lets its leases and locks lapse, so the failure is swallowed.
    private Task StopOnceAsync(bool isForced)
    {
        lock (_stopGate)
        {
            return _stopping ??= StopCoreAsync(isForced);
        }
    }

    private async Task StopCoreAsync(bool isForced)
    {
        await StopAllRenewalsAsync();
        try
        {
            await _inner.StopAsync(isForced);
        }
#pragma warning disable CA1031 // See StopOnceAsync: never let a failed stop end the process.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task StopAllRenewalsAsync()
    {
        foreach (var workItem in _renewals.Keys.ToList())
        {
            if (_renewals.TryRemove(workItem, out var renewal))
            {
                await renewal.EndAsync();
            }
        }
    }

    private sealed class Renewal
    {
        public CancellationTokenSource Stop { get; } = new();

        public Task? Loop { get; set; }

        // Stops the loop and waits for it, so that no renewal is in flight when the work item is completed or abandoned.
        public async Task EndAsync()
        {
            await Stop.CancelAsync();
            await Loop!;
            Stop.Dispose();
        }
    }
}
