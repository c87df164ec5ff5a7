namespace CohortSync.Connectors.Iterable;

/// <summary>The JSON type a carried field is sent as in <c>dataFields</c>.</summary>
public enum IterableFieldType
{
    /// <summary>Not declared: the value's own shape decides (see <see cref="IterableFieldTypes"/>).</summary>
    Inferred,

    /// <summary>A JSON string, whatever the value looks like (<c>string</c> in the setting).</summary>
    Text,

    /// <summary>A JSON number (Iterable's <c>long</c> or <c>double</c>).</summary>
    Number,

    /// <summary>A JSON boolean, from <c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>An Iterable date: <c>yyyy-MM-dd HH:mm:ss +00:00</c>, in UTC.</summary>
    Date,
}
