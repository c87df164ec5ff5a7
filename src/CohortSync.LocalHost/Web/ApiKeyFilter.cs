using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CohortSync.LocalHost.Web;

/// <summary>
/// Lets a request through only with the API key in <c>x-functions-key</c> or <c>?code=</c>, as Azure's function keys work.
/// Both sides are hashed before a fixed-time comparison, so neither the key's content nor its length leaks through timing.
/// </summary>
internal sealed class ApiKeyFilter : IEndpointFilter
{
    private readonly byte[] _expected;

    public ApiKeyFilter(IOptions<ApiKeyOptions> options) => _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Key));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var given = request.Headers["x-functions-key"].ToString();
        if (string.IsNullOrEmpty(given))
        {
            given = request.Query["code"].ToString();
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        if (given.Length == 0 || !CryptographicOperations.FixedTimeEquals(presented, _expected))
        {
            return Results.Problem("Send the API key in the x-functions-key header.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        return await next(context);
    }
}
