using CohortSync.Connectors.Common;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// Sends one request built from the secret (the connector's <see cref="HttpConnector"/> send: the credential's limiter,
/// the activity's pacer, the secret read per request and re-read once after a 401, transport failures as retryable).
/// </summary>
/// <param name="build">Builds the request from the secret.</param>
/// <param name="pacer">The send activity's pacer, or null outside a send.</param>
/// <param name="cancellationToken">Cancels the call.</param>
public delegate Task<HttpResponseMessage> IterableTransport(Func<string?, HttpRequestMessage> build, SharePacer? pacer, CancellationToken cancellationToken);
