using CohortSync.Sandbox;

namespace CohortSync.IntegrationTests;

/// <summary>
/// One sandbox host for all the tests of a class (<c>IClassFixture&lt;SandboxFixture&gt;</c>) instead of one per test. Only for
/// classes whose tests use a module that <c>Reset()</c> returns to its fresh state, and that reset it before each test.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private SandboxHost? _host;

    /// <summary>The shared host.</summary>
    public SandboxHost Host => _host ?? throw new InvalidOperationException("the sandbox is not started");

    public async Task InitializeAsync() => _host = await SandboxHost.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
