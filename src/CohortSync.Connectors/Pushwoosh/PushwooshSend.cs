using CohortSync.Connectors.Common;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>Sends one request built from the destination's secret, with the activity's pacer (or none), and returns the response.</summary>
public delegate Task<HttpResponseMessage> PushwooshSend(Func<string?, HttpRequestMessage> build, SharePacer? pacer, CancellationToken cancellationToken);
