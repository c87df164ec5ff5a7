using System.Text.Json;
using System.Text.Json.Serialization;

namespace CohortSync.Connectors.Iterable;

/// <summary>The serializer settings for Iterable's wire shapes.</summary>
internal static class IterableJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // Bodies go to an API, never into HTML: dates keep their '+' ("2016-08-02 18:53:45 +00:00") instead of \u002B.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
