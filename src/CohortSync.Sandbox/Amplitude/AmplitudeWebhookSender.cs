using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CohortSync.Sandbox.Amplitude;

/// <summary>
/// Plays Amplitude's Cohort Webhooks destination (https://amplitude.com/docs/data/destination-catalog/cohort-webhooks):
/// for one cohort computation, POSTs the users who entered and those who left in batches of the default payload
/// (<c>cohort_name</c>, <c>cohort_id</c>, <c>in_cohort</c>, <c>computed_time</c> in seconds as a string,
/// <c>message_id</c> as <c>{sync id}::enter|exit::{batch}</c>, <c>users</c>), with the two preset headers and at most five
/// extra ones, four requests at a time; an answer other than 2xx, or none within the timeout (Amplitude allows 1 to 2
/// seconds), is retried with exponential back-off, which is how duplicates arise. It can also send every message twice
/// (a 200 lost on the way back) and hold batches back to send them after a later computation (a late retry).
/// Driven at <c>POST /_sandbox/amplitude/webhooks/send</c> and <c>/release</c>.
/// </summary>
public sealed class AmplitudeWebhookSender : IDisposable
{
    /// <summary>The most extra headers Amplitude's destination lets you set.</summary>
    public const int MaxExtraHeaders = 5;

    /// <summary>Requests Amplitude sends at once.</summary>
    public const int Parallel = 4;

    /// <summary>Retries after the first attempt (Amplitude: eight).</summary>
    public const int MaxRetries = 8;

    private readonly HttpClient _http = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    private readonly ConcurrentQueue<Message> _held = new();

    /// <summary>How long an answer is waited for before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The first retry's delay; each next one doubles (Amplitude: one second, past two minutes at the last).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages held back by <see cref="WebhookPlan.HoldBack"/> and not yet released.</summary>
    public int Held => _held.Count;

    /// <summary>Sends one computation's changes as <paramref name="plan"/> says; returns what each request got.</summary>
    public async Task<WebhookSendReport> SendAsync(WebhookPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Headers?.Count > MaxExtraHeaders)
        {
            throw new ArgumentException($"Amplitude's webhook destination takes at most {MaxExtraHeaders} extra headers", nameof(plan));
        }

        if (plan.BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException("batchSize must be between 1 and 10,000", nameof(plan));
        }

        var syncId = plan.SyncId ?? Guid.NewGuid().ToString();
        var messages = Batches(plan, syncId, inCohort: true, plan.Entered).Concat(Batches(plan, syncId, inCohort: false, plan.Exited)).ToList();
        var hold = Math.Clamp(plan.HoldBack, 0, messages.Count);
        foreach (var message in messages.Take(hold))
        {
            _held.Enqueue(message);
        }

        var send = messages.Skip(hold).ToList();
        if (plan.SendEachTwice)
        {
            send = [.. send.SelectMany(m => new[] { m, m })];
        }

        return await SendAllAsync(send, plan.SendEachTwice, cancellationToken);
    }

    /// <summary>Sends the messages held back, as late retries.</summary>
    public async Task<WebhookSendReport> ReleaseAsync(CancellationToken cancellationToken)
    {
        var late = new List<Message>();
        while (_held.TryDequeue(out var message))
        {
            late.Add(message);
        }

        return await SendAllAsync(late, pairs: false, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static IEnumerable<Message> Batches(WebhookPlan plan, string syncId, bool inCohort, IReadOnlyList<string>? users)
    {
        var index = 0;
        foreach (var batch in (users ?? []).Chunk(plan.BatchSize))
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["cohort_name"] = plan.CohortName ?? plan.CohortId,
                ["cohort_id"] = plan.CohortId,
                ["in_cohort"] = inCohort,
                ["computed_time"] = plan.ComputedTime.ToString(CultureInfo.InvariantCulture),
                ["message_id"] = $"{syncId}::{(inCohort ? "enter" : "exit")}::{index++}",
                ["users"] = batch.Select(u => new Dictionary<string, string> { ["user_id"] = u }).ToArray(),
            });
            yield return new Message(plan.Url, plan.Headers ?? new Dictionary<string, string>(), body);
        }
    }

    // Messages go four at a time; a message sent twice goes the second time after its first answer.
    private async Task<WebhookSendReport> SendAllAsync(IReadOnlyList<Message> messages, bool pairs, CancellationToken cancellationToken)
    {
        var results = new ConcurrentBag<WebhookAttempt>();
        var groups = pairs ? messages.Chunk(2).Select(g => (IReadOnlyList<Message>)g) : messages.Select(m => (IReadOnlyList<Message>)[m]);
        await System.Threading.Tasks.Parallel.ForEachAsync(
            groups,
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
            async (group, token) =>
            {
                foreach (var message in group)
                {
                    results.Add(await DeliverAsync(message, token));
                }
            });
        var attempts = results.ToList();
        return new WebhookSendReport(
            attempts.Count,
            attempts.Count(a => a.Status is >= 200 and < 300),
            attempts.Sum(a => a.Retries),
            attempts.GroupBy(a => a.Status).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count()),
            attempts.Select(a => a.LastMilliseconds).Order().ToList());
    }

    private async Task<WebhookAttempt> DeliverAsync(Message message, CancellationToken cancellationToken)
    {
        var delay = RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, message.Url) { Content = new ByteArrayContent(message.Body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.TryAddWithoutValidation("User-Agent", "Amplitude/Webhook/1.0");
            foreach (var (name, value) in message.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var status = 0;
            var watch = Stopwatch.StartNew();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                using var response = await _http.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                status = 0;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            var elapsed = watch.Elapsed.TotalMilliseconds;

            // Amplitude retries what did not answer 2xx in time; a 4xx is retried too (it cannot tell a fault from a refusal).
            if (status is >= 200 and < 300 || attempt == MaxRetries)
            {
                return new WebhookAttempt(status, attempt, elapsed);
            }

            await Task.Delay(delay, cancellationToken);
            delay *= 2;
        }
    }

    private sealed record Message(Uri Url, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    private sealed record WebhookAttempt(int Status, int Retries, double LastMilliseconds);
}
