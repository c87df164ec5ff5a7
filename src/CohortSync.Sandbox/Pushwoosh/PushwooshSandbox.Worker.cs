namespace CohortSync.Sandbox.Pushwoosh;

// The queue: accepted tag changes are applied later, one at a time in arrival order, as Pushwoosh applies them asynchronously.
public sealed partial class PushwooshSandbox
{
    /// <summary>Waits until every accepted tag change has been applied (a condition, not a sleep).</summary>
    public async Task WhenIdleAsync(TimeSpan? timeout = null)
    {
        var deadline = _time.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref _pending) > 0)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException("the Pushwoosh sandbox still has tag changes to apply");
            }

            await Task.Delay(5);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Faults.Release();
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _worker;
        }
        catch (OperationCanceledException)
        {
            // Stopping mid-delay is the expected way out.
        }

        _stop.Dispose();
    }

    private void Enqueue(QueuedWork work)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(work))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    // One reader applies changes in arrival order, each no sooner than its due time, as Pushwoosh's queue would.
    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var work in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                if (work is BulkWork bulk)
                {
                    bulk.Job.Status = BulkJobStatus.Processing;
                }

                var wait = work.DueAt - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                switch (work)
                {
                    case BulkWork { Fail: true } failed:
                        failed.Job.Status = BulkJobStatus.Failed;
                        break;
                    case BulkWork ok:
                        Apply(ok.Job);
                        break;
                    case SetTagsWork setTags:
                        if (_store.Apply(setTags.Application, setTags.Device) is not null)
                        {
                            Interlocked.Increment(ref _unknownUsersSkipped);
                        }

                        break;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private void Apply(BulkJob job)
    {
        foreach (var device in job.Devices)
        {
            if (_store.Apply(job.Application, device) is { } error)
            {
                job.Errors.Add(error);
            }
        }

        job.Status = BulkJobStatus.Completed;
    }
}
