using System.Net;

namespace CohortSync.Sandbox.Faults;

/// <summary>
/// Faults a sandbox injects, configurable at run time: fail the next requests with a status (optionally with Retry-After),
/// fail a share of requests at random, add latency, drop connections, or hold requests until released (to stop a client
/// mid-batch). Thread-safe.
/// </summary>
public sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly Queue<HttpStatusCode> _next = new();
    private readonly Random _random;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _holdAfter = -1;
    private int _seen;

    /// <summary>Creates a plan; the seed makes random faults repeatable.</summary>
    public FaultPlan(int seed = 12345) => _random = new Random(seed);

    /// <summary>Share of requests answered 429 at random.</summary>
    public double TooManyRequestsRate { get; set; }

    /// <summary>Share of requests answered 503 at random.</summary>
    public double ServerErrorRate { get; set; }

    /// <summary>Share of requests whose connection is dropped at random.</summary>
    public double DropRate { get; set; }

    /// <summary>Latency added to every request.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Retry-After seconds sent with injected 429s.</summary>
    public int RetryAfterSeconds { get; set; }

    /// <summary>Faults injected so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Fails the next <paramref name="count"/> requests with <paramref name="status"/>.</summary>
    public void FailNext(int count, HttpStatusCode status)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _next.Enqueue(status);
            }
        }
    }

    /// <summary>Lets <paramref name="count"/> requests through, then holds every later one until <see cref="Release"/>.</summary>
    public void HoldAfter(int count)
    {
        lock (_gate)
        {
            _holdAfter = _seen + count;
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Releases held requests and stops holding.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _holdAfter = -1;
            _release.TrySetResult();
        }
    }

    /// <summary>Clears every fault.</summary>
    public void Reset()
    {
        Release();
        lock (_gate)
        {
            _next.Clear();
            TooManyRequestsRate = ServerErrorRate = DropRate = 0;
            Latency = TimeSpan.Zero;
        }
    }

    /// <summary>Applies the plan to one request: returns the fault to answer with, or null to serve it.</summary>
    public async Task<Fault?> NextAsync(CancellationToken cancellationToken)
    {
        Task? hold = null;
        Fault? fault = null;
        lock (_gate)
        {
            _seen++;
            if (_holdAfter >= 0 && _seen > _holdAfter)
            {
                hold = _release.Task;
            }
            else if (_next.TryDequeue(out var status))
            {
                fault = new Fault(status, false);
            }
            else
            {
                var roll = _random.NextDouble();
                if (roll < DropRate)
                {
                    fault = new Fault(null, true);
                }
                else if (roll < DropRate + TooManyRequestsRate)
                {
                    fault = new Fault(HttpStatusCode.TooManyRequests, false);
                }
                else if (roll < DropRate + TooManyRequestsRate + ServerErrorRate)
                {
                    fault = new Fault(HttpStatusCode.ServiceUnavailable, false);
                }
            }

            if (fault is not null)
            {
                Injected++;
            }
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, cancellationToken);
        }

        if (hold is not null)
        {
            await hold.WaitAsync(cancellationToken);
        }

        return fault;
    }

    /// <summary>Writes a fault as the response (or aborts the connection).</summary>
    public async Task WriteAsync(HttpContext context, Fault fault)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(fault);
        if (fault.Drop)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)fault.Status!.Value;
        if (fault.Status == HttpStatusCode.TooManyRequests)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new { error = "injected fault" });
    }
}

/// <summary>An injected fault: a status to answer with, or a dropped connection.</summary>
public sealed record Fault(HttpStatusCode? Status, bool Drop);
