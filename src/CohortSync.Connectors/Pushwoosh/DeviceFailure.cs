namespace CohortSync.Connectors.Pushwoosh;

/// <summary>One device a bulk job did not update, as its detailed status names it.</summary>
/// <param name="UserId">The device's <c>user_id</c>, if it had one.</param>
/// <param name="Code">The vendor's code (sandbox: <c>user_not_found</c>, or the skip reason), or null.</param>
/// <param name="Skipped">True when listed among the skipped devices rather than the errors.</param>
public sealed record DeviceFailure(string? UserId, string? Code, bool Skipped = false);
