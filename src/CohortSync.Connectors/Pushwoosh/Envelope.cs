namespace CohortSync.Connectors.Pushwoosh;

/// <summary>The json/1.3 response envelope: <c>{"status_code","status_message","response"}</c>.</summary>
/// <param name="StatusCode">The envelope's status code (200 is success).</param>
/// <param name="StatusMessage">The envelope's message.</param>
public sealed record Envelope(int StatusCode, string? StatusMessage);
