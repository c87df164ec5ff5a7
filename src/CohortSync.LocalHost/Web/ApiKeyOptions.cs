using System.ComponentModel.DataAnnotations;

namespace CohortSync.LocalHost.Web;

/// <summary>The local stand-in for Azure's function keys. Bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Api";

    /// <summary>The key callers send in <c>x-functions-key</c> (or <c>?code=</c>), at least 16 characters.</summary>
    [Required]
    [MinLength(16)]
    public string Key { get; set; } = string.Empty;
}
