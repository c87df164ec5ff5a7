using System.Net;

namespace CohortSync.Sandbox.Faults;

/// <summary>
/// Faults a sandbox injects, configurable at run time: fail the next requests with a status (optionally with Retry-After),
/// fail a share of requests at random, add latency, drop connections, time requests out (hold them until the client gives
/// up, then drop them unserved), hold requests until released (to stop a client mid-batch), or let a number of requests to
/// one route through and fail every later one (<see cref="FailAfter"/>: a send that fails partway). <see cref="RequestSeen"/>
/// lets a trial act at an exact request (for example kill the client's process). Thread-safe.
/// </summary>
public sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly Queue<HttpStatusCode> _next = new();
    private Random _random;
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _holdAfter = -1;
    private readonly Dictionary<string, int> _byKind = new(StringComparer.Ordinal);
    private int _seen;
    private (string PathPart, int Passes, HttpStatusCode Status)? _failAfter;

    /// <summary>Creates a plan; the seed makes random faults repeatable.</summary>
    public FaultPlan(int seed = 12345) => _random = new Random(seed);

    /// <summary>Restarts the random faults from a seed, so a trial's storm can be repeated.</summary>
    public void Reseed(int seed)
    {
        lock (_gate)
        {
            _random = new Random(seed);
        }
    }

    /// <summary>Share of requests answered 429 at random.</summary>
    public double TooManyRequestsRate { get; set; }

    /// <summary>Share of requests answered 503 at random.</summary>
    public double ServerErrorRate { get; set; }

    /// <summary>Share of requests whose connection is dropped at random.</summary>
    public double DropRate { get; set; }

    /// <summary>
    /// Share of requests timed out at random: held until the client abandons them (or <see cref="TimeoutHold"/> passes),
    /// then dropped without being served, so a timed-out request never changes the sandbox's state.
    /// </summary>
    public double TimeoutRate { get; set; }

    /// <summary>The longest a timed-out request is held when the client does not give up first. <value>Default 2 min.</value></summary>
    public TimeSpan TimeoutHold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Called with the request's number (1, 2, ...) as each request arrives, before any fault; counts every request the plan
    /// sees since it was created or reset. Runs on the request's thread: keep it short.
    /// </summary>
    public Action<int>? RequestSeen { get; set; }

    /// <summary>Latency added to every request.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Retry-After seconds sent with injected 429s.</summary>
    public int RetryAfterSeconds { get; set; }

    /// <summary>Faults injected so far.</summary>
    public int Injected { get; private set; }

    /// <summary>Requests the plan has seen (faulted or not).</summary>
    public int Seen
    {
        get
        {
            lock (_gate)
            {
                return _seen;
            }
        }
    }

    /// <summary>Faults injected so far, by kind: <c>429</c>, <c>503</c> (or another status), <c>timeout</c>, <c>drop</c>.</summary>
    public IReadOnlyDictionary<string, int> InjectedByKind
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_byKind, StringComparer.Ordinal);
            }
        }
    }

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

    /// <summary>
    /// Lets <paramref name="passes"/> requests whose path ends with <paramref name="pathPart"/> through, then answers every
    /// later one with <paramref name="status"/> until <see cref="Reset"/>: a batch whose first requests land and whose later
    /// ones fail.
    /// </summary>
    public void FailAfter(string pathPart, int passes, HttpStatusCode status)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathPart);
        lock (_gate)
        {
            _failAfter = (pathPart, passes, status);
        }
    }

    /// <summary>Applies the plan to one request of a route: the route's <see cref="FailAfter"/> first, then the rest.</summary>
    public Task<Fault?> NextAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        lock (_gate)
        {
            if (_failAfter is { } target && (context.Request.Path.Value ?? string.Empty).EndsWith(target.PathPart, StringComparison.Ordinal))
            {
                if (target.Passes > 0)
                {
                    _failAfter = target with { Passes = target.Passes - 1 };
                }
                else
                {
                    _seen++;
                    var fault = new Fault(target.Status, false);
                    CountInjected(fault, timeout: false);
                    return Task.FromResult<Fault?>(fault);
                }
            }
        }

        return NextAsync(context.RequestAborted);
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
            _byKind.Clear();
            _failAfter = null;
            TooManyRequestsRate = ServerErrorRate = DropRate = TimeoutRate = 0;
            Latency = TimeSpan.Zero;
            RequestSeen = null;
            Injected = 0;
            _seen = 0;
        }
    }

    /// <summary>Applies the plan to one request: returns the fault to answer with, or null to serve it.</summary>
    public async Task<Fault?> NextAsync(CancellationToken cancellationToken)
    {
        Task? hold = null;
        Fault? fault = null;
        var timeout = false;
        int seen;
        lock (_gate)
        {
            seen = ++_seen;
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
                else if (roll < DropRate + TooManyRequestsRate + ServerErrorRate + TimeoutRate)
                {
                    timeout = true;
                    fault = new Fault(null, true);
                }
            }

            if (fault is not null)
            {
                CountInjected(fault, timeout);
            }
        }

        RequestSeen?.Invoke(seen);
        if (timeout)
        {
            // Held past the client's timeout: the client's abandoning the request ends the hold; the connection is then dropped.
            try
            {
                await Task.Delay(TimeoutHold, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return fault;
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

    // Counts a fault by kind; the caller holds the gate.
    private void CountInjected(Fault fault, bool timeout)
    {
        Injected++;
        var kind = timeout ? "timeout" : fault.Drop ? "drop" : ((int)fault.Status!.Value).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _byKind[kind] = _byKind.GetValueOrDefault(kind) + 1;
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
