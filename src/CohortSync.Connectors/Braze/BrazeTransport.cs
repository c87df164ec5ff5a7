using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;

namespace CohortSync.Connectors.Braze;

/// <summary>Sends one vendor request through the connector's limiter, pacer and secret re-read (<c>HttpConnector.SendVendorRequestAsync</c>).</summary>
/// <param name="destination">The destination.</param>
/// <param name="build">Builds the request from the destination's secret.</param>
/// <param name="pacer">The send's pacer, or null outside a send.</param>
/// <param name="cancellationToken">Cancels the call.</param>
public delegate Task<HttpResponseMessage> BrazeTransport(
    DestinationDefinition destination, Func<string?, HttpRequestMessage> build, SharePacer? pacer, CancellationToken cancellationToken);
