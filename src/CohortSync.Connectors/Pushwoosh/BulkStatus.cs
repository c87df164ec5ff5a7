namespace CohortSync.Connectors.Pushwoosh;

/// <summary>A bulk request's status: its state, the devices it names as failed or skipped, and the counts it reports.</summary>
/// <param name="Status">The state as sent (<c>Pending</c>, <c>Processing</c>, <c>Completed</c>, <c>Failed</c>, ...).</param>
/// <param name="Failures">Devices named in <c>errors</c> and <c>skipped_devices</c>.</param>
/// <param name="Unsettled">How many devices the counts <c>failed</c> and <c>skipped</c> report (null when neither is sent).</param>
public sealed record BulkStatus(string Status, IReadOnlyList<DeviceFailure> Failures, int? Unsettled = null)
{
    /// <summary>True when the job finished, with or without device failures.</summary>
    public bool IsCompleted => Status.ToUpperInvariant() is "COMPLETED" or "DONE" or "FINISHED" or "SUCCESS" or "SUCCEEDED";

    /// <summary>True when the job failed as a whole.</summary>
    public bool IsFailed => Status.ToUpperInvariant() is "FAILED" or "ERROR" or "CANCELLED" or "CANCELED";
}
