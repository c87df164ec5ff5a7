using System.Text.Encodings.Web;
using System.Text.Json;

namespace CohortSync.Connectors.Braze;

/// <summary>How bodies are written: UTF-8 as is, so an identifier's size on the wire is what <see cref="BrazeIdentifierRules"/> measured.</summary>
public static class BrazeJson
{
    /// <summary>The serializer options for Braze bodies.</summary>
    /// <remarks>
    /// The relaxed encoder writes non-ASCII text as UTF-8 instead of <c>\uXXXX</c> escapes; these bodies go to an API, never
    /// into HTML, which is what the stricter default encoder protects.
    /// </remarks>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serializes a body to UTF-8 JSON.</summary>
    public static byte[] Serialize<T>(T body) => JsonSerializer.SerializeToUtf8Bytes(body, Options);
}
