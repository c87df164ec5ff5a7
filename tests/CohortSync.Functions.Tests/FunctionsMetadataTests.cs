using System.Reflection;
using System.Text.Json;
using CohortSync.Core.Workflow;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Tests;

/// <summary>
/// The functions.metadata the worker SDK generates, as a deployment ships it (eng/test.sh publishes the app and names the
/// folder in COHORTSYNC_FUNCTIONS_PUBLISH_DIR; otherwise the Functions project's own build output): every function's name,
/// trigger, route, methods, key level and Durable client binding, against the table below.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private const string Get = "get";
    private const string Post = "post";
    private const string Put = "put";
    private const string Delete = "delete";

    /// <summary>What the app must publish: nothing more, nothing less.</summary>
    private static readonly IReadOnlyList<ExpectedFunction> Expected =
    [
        Activity("StartExport"),
        Activity("PollExport"),
        Activity("PrepareRun"),
        Activity("SendBatch"),
        Activity("CommitRun"),
        Activity("FailRun"),
        Activity("NotifyRun"),
        new("SyncRun", "orchestrationTrigger"),
        new("SchedulerTick", "timerTrigger", DurableClient: true, Schedule: "%SchedulerTimer%"),
        Http("ListDestinations", Get, "destinations"),
        Http("CreateDestination", Post, "destinations"),
        Http("GetDestination", Get, "destinations/{id}"),
        Http("ReplaceDestination", Put, "destinations/{id}"),
        Http("DeleteDestination", Delete, "destinations/{id}"),
        Http("OpenApi", Get, "openapi.json"),
        Http("StartRun", Post, "syncs/{id}/runs", durableClient: true),
        Http("ListRuns", Get, "syncs/{id}/runs"),
        Http("GetSyncStatus", Get, "syncs/{id}/status"),
        Http("GetRun", Get, "runs/{runId}"),
        Http("ApproveRun", Post, "runs/{runId}/approve", durableClient: true),
        Http("RejectRun", Post, "runs/{runId}/reject", durableClient: true),
        Http("ListSyncs", Get, "syncs"),
        Http("CreateSync", Post, "syncs"),
        Http("GetSync", Get, "syncs/{id}"),
        Http("ReplaceSync", Put, "syncs/{id}"),
        Http("DeleteSync", Delete, "syncs/{id}"),
        Http("ExplainMember", Get, "syncs/{id}/explain"),
        Http("GetOverview", Get, "overview"),
        Http("StatusPage", Get, "status/{*path}", authLevel: "Anonymous"),
        Http("ReceiveCohortWebhook", Post, "sources/{sourceId}/amplitude-webhook", authLevel: "Anonymous"),
    ];

    private static readonly Lazy<(string Directory, IReadOnlyDictionary<string, JsonElement> Functions)> Published = new(Load);

    public static TheoryData<string> ExpectedNames => [.. Expected.Select(e => e.Name)];

    [Fact]
    public void Metadata_FunctionNames_AreExactlyTheExpectedOnes()
    {
        // Act
        var published = Published.Value.Functions.Keys.ToHashSet(StringComparer.Ordinal);
        var expected = Expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);

        // Assert
        var missing = expected.Except(published).Order(StringComparer.Ordinal).ToList();
        var extra = published.Except(expected).Order(StringComparer.Ordinal).ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"functions.metadata in {Published.Value.Directory}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", extra)}]");
    }

    [Theory]
    [MemberData(nameof(ExpectedNames))]
    public void Metadata_Function_HasTheExpectedTriggerAndBindings(string name)
    {
        // Arrange
        var expected = Expected.Single(e => e.Name == name);
        Assert.True(Published.Value.Functions.TryGetValue(name, out var function), $"function {name} is not in functions.metadata");
        var bindings = function.GetProperty("bindings").EnumerateArray().ToList();

        // Act
        var triggers = bindings.Where(b => Str(b, "type")?.EndsWith("Trigger", StringComparison.Ordinal) == true).ToList();

        // Assert
        var trigger = Assert.Single(triggers);
        Assert.Equal(expected.Trigger, Str(trigger, "type"));
        Assert.Equal("In", Str(trigger, "direction"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected.Route, Str(trigger, "route"));
        Assert.Equal(expected.Schedule, Str(trigger, "schedule"));
        if (expected.Trigger == "httpTrigger")
        {
            Assert.Equal(expected.AuthLevel, Str(trigger, "authLevel"));
            Assert.Equal(expected.Methods, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).Order());
            Assert.Contains(bindings, b => Str(b, "type") == "http" && Str(b, "direction") == "Out" && Str(b, "name") == "$return");
        }
        else
        {
            Assert.False(trigger.TryGetProperty("authLevel", out _), $"{name}: authLevel on a {expected.Trigger}");
            Assert.False(trigger.TryGetProperty("methods", out _), $"{name}: methods on a {expected.Trigger}");
        }

        var durableClients = bindings.Count(b => Str(b, "type") == "durableClient");
        Assert.True(durableClients == (expected.DurableClient ? 1 : 0), $"{name}: {durableClients} durableClient binding(s), expected {(expected.DurableClient ? 1 : 0)}");
    }

    [Theory]
    [MemberData(nameof(ExpectedNames))]
    public void Metadata_EntryPoint_IsAMethodOfTheAppWithThatFunctionName(string name)
    {
        // Arrange
        Assert.True(Published.Value.Functions.TryGetValue(name, out var function), $"function {name} is not in functions.metadata");
        var entryPoint = Str(function, "entryPoint")!;
        var split = entryPoint.LastIndexOf('.');

        // Act
        var type = typeof(ServiceCollectionExtensions).Assembly.GetType(entryPoint[..split]);
        var method = type?.GetMethod(entryPoint[(split + 1)..], BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public);

        // Assert
        Assert.Equal("CohortSync.Functions.dll", Str(function, "scriptFile"));
        Assert.True(method is not null, $"{name}: entry point {entryPoint} is not a public method of the Functions assembly");
        Assert.Equal(name, method.GetCustomAttribute<FunctionAttribute>()?.Name);
    }

    [Fact]
    public void Metadata_WorkflowFunctions_AreNamedAsTheWorkflowCallsThem()
    {
        // Arrange
        var byTrigger = Published.Value.Functions
            .Select(f => (Name: f.Key, Trigger: f.Value.GetProperty("bindings").EnumerateArray().Select(b => Str(b, "type")).First(t => t?.EndsWith("Trigger", StringComparison.Ordinal) == true)))
            .ToLookup(f => f.Trigger, f => f.Name);

        // Act
        var orchestrations = byTrigger["orchestrationTrigger"].ToList();
        var activities = byTrigger["activityTrigger"].Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal([WorkflowNames.Orchestration], orchestrations);
        Assert.Equal(
            new[] { WorkflowNames.StartExport, WorkflowNames.PollExport, WorkflowNames.Prepare, WorkflowNames.SendBatch, WorkflowNames.Commit, WorkflowNames.Fail, WorkflowNames.Notify }.Order(StringComparer.Ordinal),
            activities);
    }

    [Fact]
    public void Metadata_HostJson_IsPublishedBesideIt()
    {
        // Arrange
        var path = Path.Combine(Published.Value.Directory, "host.json");

        // Act
        Assert.True(File.Exists(path), $"host.json is not beside functions.metadata in {Published.Value.Directory}");
        using var host = JsonDocument.Parse(File.ReadAllText(path));

        // Assert
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
    }

    private static ExpectedFunction Activity(string name) => new(name, "activityTrigger");

    private static ExpectedFunction Http(string name, string method, string route, bool durableClient = false, string authLevel = "Function") =>
        new(name, "httpTrigger", Route: route, Methods: [method], DurableClient: durableClient, AuthLevel: authLevel);

    private static string? Str(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static (string, IReadOnlyDictionary<string, JsonElement>) Load()
    {
        var directory = MetadataDirectory();
        var path = Path.Combine(directory, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata not found at {path}: publish the Functions app (eng/test.sh does) or build src/CohortSync.Functions");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var functions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var function in document.RootElement.EnumerateArray())
        {
            var name = function.GetProperty("name").GetString()!;
            Assert.True(functions.TryAdd(name, function.Clone()), $"function {name} appears twice in {path}");
        }

        return (directory, functions);
    }

    // COHORTSYNC_FUNCTIONS_PUBLISH_DIR (eng/test.sh), else src/CohortSync.Functions/bin/<Configuration>/net10.0 in this
    // repository, found by walking up from the test assembly to the folder that holds the solution.
    private static string MetadataDirectory()
    {
        if (Environment.GetEnvironmentVariable("COHORTSYNC_FUNCTIONS_PUBLISH_DIR") is { Length: > 0 } published)
        {
            return published;
        }

        var configuration = typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CohortSyncFunctions.sln")))
            {
                return Path.Combine(directory.FullName, "src", "CohortSync.Functions", "bin", configuration, "net10.0");
            }
        }

        Assert.Fail($"COHORTSYNC_FUNCTIONS_PUBLISH_DIR is not set and no CohortSyncFunctions.sln was found above {AppContext.BaseDirectory}");
        return string.Empty;
    }

    private sealed record ExpectedFunction(
        string Name, string Trigger, string? Route = null, IReadOnlyList<string>? Methods = null, bool DurableClient = false, string? Schedule = null, string? AuthLevel = null);
}
