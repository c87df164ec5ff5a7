namespace CohortSync.BrowserTests;

/// <summary>
/// A fact that needs Debian's Chromium at <see cref="ExecutablePath"/>: without it the test is skipped, with a reason that
/// says how to install it (eng/test.sh installs it before the tests run). xunit 2 decides skips at discovery, hence an
/// attribute rather than a skip inside the test.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Skips the test when the browser is missing.</summary>
    public ChromiumFactAttribute()
    {
        if (!IsInstalled)
        {
            Skip = $"SKIPPED browser test: no Chromium at {ExecutablePath} (apt-get install -y --no-install-recommends chromium; eng/test.sh does)";
        }
    }

    /// <summary>True when the browser is there.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);
}
