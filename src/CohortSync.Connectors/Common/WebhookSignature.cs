using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CohortSync.Connectors.Common;

/// <summary>
/// The HMAC-SHA256 signature CohortSync puts on what it POSTs to a webhook: <c>sha256=</c> and the lower-case hex
/// HMAC-SHA256 of the signed bytes with the shared secret (UTF-8). The webhook destination signs each batch's body; run
/// notifications sign <c>{timestamp}.{body}</c> (<see cref="Timestamped"/>), so a receiver that checks the timestamp's age
/// turns away a replayed request. Receivers verify with <see cref="Verify"/> (constant time).
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header the signature travels in.</summary>
    public const string Header = "X-CohortSync-Signature";

    /// <summary>The header a notification's timestamp (Unix seconds) travels in.</summary>
    public const string TimestampHeader = "X-CohortSync-Timestamp";

    /// <summary>The signature of <paramref name="payload"/> with <paramref name="secret"/>: <c>sha256=&lt;hex&gt;</c>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    /// <summary>Checks a signature in constant time.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> payload, string? signature) =>
        signature is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, payload)), Encoding.ASCII.GetBytes(signature));

    /// <summary>The bytes a timestamped request signs: the timestamp in Unix seconds, a dot, then the body.</summary>
    public static byte[] Timestamped(long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }
}
