using CohortSync.Connectors.Files;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Tests.Files;

/// <summary>The file connector in a temporary folder: what it writes, where, and that a re-sent batch replaces its file.</summary>
public sealed class FileConnectorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cohortsync-files-").FullName;
    private readonly FileConnector _connector = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task SendAsync_Batch_WritesOneJsonLinePerChangeInOrder()
    {
        // Arrange
        var changes = new[]
        {
            Change(ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u-1"), ("plan", "pro"), ("seats", "3")),
            Change(ChangeKind.Remove, new DestinationKey(KeyKind.Email, "a@example.com")),
            Change(ChangeKind.Update, new DestinationKey(KeyKind.Alias, "al-9", "crm")),
        };

        // Act
        await _connector.SendAsync(Destination(), Request(changes, batch: 12), CancellationToken.None);

        // Assert
        var text = await File.ReadAllTextAsync(Path.Combine(_folder, "sync-1", "run-1", "batch-000012.jsonl"));
        Assert.Equal(
            """
            {"op":"add","kind":"userId","id":"u-1","fields":{"plan":"pro","seats":"3"}}
            {"op":"remove","kind":"email","id":"a@example.com"}
            {"op":"update","kind":"alias","id":"al-9","label":"crm"}

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public async Task SendAsync_Batch_AcceptsEveryChangeInOneRequest()
    {
        // Act
        var result = await _connector.SendAsync(Destination(), Request(Changes(3)), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(1, result.Requests);
        Assert.Null(result.Skipped);
    }

    [Fact]
    public async Task SendAsync_ContainerGiven_WritesUnderTheContainerFolder()
    {
        // Arrange: the container EnsureContainerAsync returned, which may lie outside the destination's folder.
        var container = Path.Combine(_folder, "elsewhere");

        // Act
        await _connector.SendAsync(Destination(), Request(Changes(1)) with { ContainerId = container }, CancellationToken.None);

        // Assert
        Assert.Equal([Path.Combine(container, "run-1", "batch-000000.jsonl")], Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SendAsync_SameBatchSentAgain_ReplacesItsFileWholeAndLeavesNoTemporaryFile()
    {
        // Arrange
        var path = Path.Combine(_folder, "sync-1", "run-1", "batch-000000.jsonl");
        await _connector.SendAsync(Destination(), Request(Changes(5)), CancellationToken.None);

        // Act: the retry after a crash carries fewer changes (the rest settled), so a file appended to would be longer.
        await _connector.SendAsync(Destination(), Request(Changes(2)), CancellationToken.None);

        // Assert
        Assert.Equal(
            ["""{"op":"add","kind":"userId","id":"u-0"}""", """{"op":"add","kind":"userId","id":"u-1"}"""],
            await File.ReadAllLinesAsync(path));
        Assert.Equal([path], Directory.GetFiles(_folder, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task SendAsync_EmptyBatch_WritesAnEmptyFile()
    {
        // Act
        await _connector.SendAsync(Destination(), Request([]), CancellationToken.None);

        // Assert
        Assert.Equal(0, new FileInfo(Path.Combine(_folder, "sync-1", "run-1", "batch-000000.jsonl")).Length);
    }

    [Fact]
    public async Task SendAsync_NoFolderSetting_ThrowsValidationNamingItAndWritesNothing()
    {
        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => _connector.SendAsync(Destination(folder: null), Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Contains("'folder'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task SendAsync_RunFolderIsAFile_ThrowsIOExceptionAndLeavesTheFileAlone()
    {
        // Arrange: something else already holds the run folder's name.
        Directory.CreateDirectory(Path.Combine(_folder, "sync-1"));
        var blocker = Path.Combine(_folder, "sync-1", "run-1");
        await File.WriteAllTextAsync(blocker, "not a folder");

        // Act
        await Assert.ThrowsAsync<IOException>(() => _connector.SendAsync(Destination(), Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Equal("not a folder", await File.ReadAllTextAsync(blocker));
    }

    [Fact]
    public async Task EnsureContainerAsync_AnyRequest_CreatesTheSyncsFolderAndReturnsItsPathEveryTime()
    {
        // Arrange
        var request = new ContainerRequest("sync-1", "Trial users", null, DateTimeOffset.UnixEpoch);

        // Act
        var first = await _connector.EnsureContainerAsync(Destination(), request, CancellationToken.None);
        var second = await _connector.EnsureContainerAsync(Destination(), request with { ExistingContainerId = first }, CancellationToken.None);

        // Assert
        var expected = Path.Combine(_folder, "sync-1");
        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
        Assert.True(Directory.Exists(expected));
    }

    [Fact]
    public async Task EnsureContainerAsync_NoFolderSetting_ThrowsValidation()
    {
        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            _connector.EnsureContainerAsync(Destination(folder: null), new ContainerRequest("sync-1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None));

        // Assert
        Assert.Contains("'folder'", error.Message, StringComparison.Ordinal);
    }

    private DestinationDefinition Destination() => Destination(_folder);

    private static DestinationDefinition Destination(string? folder) => new()
    {
        Id = "files",
        Name = "Files",
        Type = FileConnector.TypeName,
        Settings = folder is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["folder"] = folder },
    };

    private static SendRequest Request(IReadOnlyList<SnapshotChange> changes, int batch = 0) => new("sync-1", "run-1", batch, string.Empty, changes);

    private static SnapshotChange[] Changes(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Change(ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u-" + i)))];

    private static SnapshotChange Change(ChangeKind kind, DestinationKey key, params (string Name, string Value)[] fields) =>
        new(kind, SnapshotEntry.Create(key.Encode(), MemberPayload.Encode([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))])));
}
