using CohortSync.Sandbox;

namespace CohortSync.IntegrationTests;

/// <summary>
/// What the tests that run syncs against the sandboxes share: a sandbox host of their own and a temporary folder (for cohort
/// files and exports) per test, both removed after it. A class that needs the sandbox set up further overrides
/// <see cref="StartedAsync"/>; one that holds more to stop first overrides <see cref="StoppingAsync"/>.
/// </summary>
/// <param name="folderPrefix">The temporary folder's name prefix, which says whose it is.</param>
public abstract class SandboxTestBase(string folderPrefix) : IAsyncLifetime
{
    /// <summary>The sandbox host, started before each test.</summary>
    protected SandboxHost Sandbox { get; private set; } = null!;

    /// <summary>The test's temporary folder.</summary>
    protected string Dir { get; } = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Sandbox = await SandboxHost.StartAsync();
        await StartedAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        await StoppingAsync();
        await Sandbox.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Sets the started sandbox up further.</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    /// <summary>Stops what the test holds before the sandbox stops.</summary>
    protected virtual Task StoppingAsync() => Task.CompletedTask;
}
