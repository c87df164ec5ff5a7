using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Bench;

/// <summary>
/// A smoke run of the scale harness (bench/CohortSync.ScaleBench) at 10,000 members, as a child process on the tests'
/// Azurite: every measurement runs, every plan is checked against the generated churn (a wrong plan fails the harness),
/// and the table has every row. Timings are printed, never asserted; transaction counts are.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ScaleHarnessSmokeTests(AzuriteFixture azurite)
{
    private static readonly string[] Measures =
    [
        "planning wall time",
        "planning against the naive parse and set difference alone",
        "planning peak memory",
        "table transactions per run",
        "bytes written per run",
        "bytes stored for the sync's baseline",
        "first sync: write the whole baseline",
        "run that finds nothing changed",
        "every-minute tick, cohort unchanged",
    ];

    private static readonly string[] Destinations = ["braze", "iterable", "pushwoosh", "productboard", "webhook"];

    [Fact]
    public async Task ScaleHarness_TenThousandMembers_PrintsEveryRowAndAnUnchangedTickOfThreeTransactions()
    {
        // Act
        var (exitCode, output, errors) = await RunHarnessAsync(
            "--sizes", "10000", "--repeat", "1", "--naive-rows", "1000", "--delivery-seconds", "1", "--engine-members", "3000", "--storage", azurite.ConnectionString);

        // Assert
        Assert.True(exitCode == 0, $"the harness exited with {exitCode}:\n{errors}");
        var rows = output.Split('\n').Where(l => l.StartsWith('|')).ToList();
        foreach (var measure in Measures)
        {
            Assert.Single(rows, r => r.StartsWith("| 10,000 | " + measure, StringComparison.Ordinal));
        }

        foreach (var destination in Destinations)
        {
            var rate = Assert.Single(rows, r => r.Contains($"| delivery to {destination}: members/s", StringComparison.Ordinal));
            Assert.Contains(", 0 lost", rate, StringComparison.Ordinal);
            Assert.Single(rows, r => r.Contains($"| delivery to {destination}: one run's send time", StringComparison.Ordinal));
        }

        var tick = TickCell().Match(Assert.Single(rows, r => r.Contains("every-minute tick", StringComparison.Ordinal)));
        Assert.True(tick.Success, "no 'N ms, N tx' in the tick row");
        Assert.Equal(3, int.Parse(tick.Groups["tx"].Value, CultureInfo.InvariantCulture));
        Assert.Contains("plan checked against the churn (+50 -50)", output, StringComparison.Ordinal);
        var engine = Assert.Single(output.Split('\n'), l => l.StartsWith("First sync on the Durable Task engine", StringComparison.Ordinal));
        Assert.Contains("3,000 members from a cohort file to the webhook sandbox", engine, StringComparison.Ordinal);
        Assert.Contains(", completed", engine, StringComparison.Ordinal);
        Assert.Contains(", 0 lost", engine, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunHarnessAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HarnessPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the harness");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        }
        finally
        {
            if (!process.HasExited)
            {
                // The harness stops nothing of ours (it used the tests' Azurite); its children go with it.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        return (process.ExitCode, await output, await errors);
    }

    // The harness's build output beside this one's: eng/test.sh builds the solution, which holds it, in the same configuration.
    private static string HarnessPath()
    {
        var configuration = typeof(ScaleHarnessSmokeTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CohortSyncFunctions.sln")))
            {
                var path = Path.Combine(dir.FullName, "bench", "CohortSync.ScaleBench", "bin", configuration, "net10.0", "CohortSync.ScaleBench.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"build bench/CohortSync.ScaleBench ({configuration}) first", path);
            }
        }

        throw new DirectoryNotFoundException("CohortSyncFunctions.sln is not above the test's folder");
    }

    [GeneratedRegex(@"\| (?<ms>[0-9,]+) ms, (?<tx>[0-9]+) tx \|")]
    private static partial Regex TickCell();
}
