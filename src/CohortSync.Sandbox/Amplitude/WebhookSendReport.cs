namespace CohortSync.Sandbox.Amplitude;

/// <summary>What <see cref="AmplitudeWebhookSender"/> got back.</summary>
/// <param name="Messages">Messages delivered or given up on (a message sent twice counts twice).</param>
/// <param name="Acknowledged">Messages answered 2xx.</param>
/// <param name="Retries">Retries made.</param>
/// <param name="ByStatus">Final statuses by code (0: no answer in time).</param>
/// <param name="Milliseconds">Each message's last attempt, request to answer, in milliseconds, sorted.</param>
public sealed record WebhookSendReport(
    int Messages,
    int Acknowledged,
    int Retries,
    IReadOnlyDictionary<string, int> ByStatus,
    IReadOnlyList<double> Milliseconds);
