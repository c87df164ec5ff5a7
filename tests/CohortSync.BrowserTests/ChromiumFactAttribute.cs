namespace CohortSync.BrowserTests;

/// <summary>
/// A fact that needs Chromium: Debian's at <c>/usr/bin/chromium</c>, or the one <c>COHORTSYNC_CHROMIUM</c> names. Without
/// it the test is skipped, with a reason that says how to install it (eng/test.sh installs it before the tests run).
/// xunit 2 decides skips at discovery, hence an attribute rather than a skip inside the test.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Skips the test when the browser is missing.</summary>
    public ChromiumFactAttribute()
    {
        if (!IsInstalled)
        {
            Skip = $"SKIPPED browser test: no Chromium at {ExecutablePath} (apt-get install -y --no-install-recommends chromium; eng/test.sh does)";
        }
    }

    /// <summary>The browser: <c>COHORTSYNC_CHROMIUM</c> if set, else where Debian's <c>chromium</c> package puts it.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("COHORTSYNC_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>True when the browser is there.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);
}
