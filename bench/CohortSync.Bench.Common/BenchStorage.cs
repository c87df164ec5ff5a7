using Azure;
using Azure.Data.Tables;
using CohortSync.Testing;

namespace CohortSync.Bench;

/// <summary>
/// The Table Storage a benchmark runs on: the one given with <c>--storage</c>, or a private Azurite started for the run.
/// Disposing stops that Azurite, or drops the run's tables (<c>prefix*</c>) from the given storage unless they are kept.
/// </summary>
public sealed class BenchStorage : IAsyncDisposable
{
    private readonly Azurite? _azurite;
    private readonly string _prefix;
    private readonly bool _keep;
    private readonly Action<string> _log;

    private BenchStorage(string connectionString, string note, Azurite? azurite, string prefix, bool keep, Action<string> log)
    {
        ConnectionString = connectionString;
        Note = note;
        _azurite = azurite;
        _prefix = prefix;
        _keep = keep;
        _log = log;
    }

    /// <summary>The connection string the measurements use.</summary>
    public string ConnectionString { get; }

    /// <summary>What the report says about the storage.</summary>
    public string Note { get; }

    /// <summary>
    /// Uses <paramref name="given"/>, or starts a private Azurite with its state in <c>workDir/azurite</c>;
    /// <paramref name="prefix"/> names the tables to drop from a given storage at the end, unless <paramref name="keep"/>.
    /// </summary>
    public static async Task<BenchStorage> OpenAsync(string? given, string workDir, string prefix, bool keep, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (given is not null)
        {
            return new BenchStorage(given, "the storage given with --storage", null, prefix, keep, log);
        }

        log("starting a private Azurite (eng/azurite.sh)");
        // The script's messages go to stderr as they come, beside the benchmark's progress.
        var azurite = await Azurite.StartAsync(Path.Combine(workDir, "azurite"), line => Console.Error.WriteLine("  [azurite] " + line), cancellationToken);
        return new BenchStorage(azurite.ConnectionString, "a private Azurite (in-memory) on 127.0.0.1, started for this run", azurite, prefix, keep, log);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            _log("stopping Azurite");
            await _azurite.DisposeAsync();
        }
        else if (!_keep)
        {
            await DropTablesAsync();
        }
    }

    private async Task DropTablesAsync()
    {
        try
        {
            var client = new TableServiceClient(ConnectionString);
            await foreach (var table in client.QueryAsync(TableClient.CreateQueryFilter($"TableName ge {_prefix} and TableName lt {_prefix + "~"}")))
            {
                await client.DeleteTableAsync(table.Name);
            }
        }
        catch (RequestFailedException ex)
        {
            _log($"could not drop the tables {_prefix}*: {ex.Message}");
        }
    }
}
