using System.Text.Json;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CohortSync.Functions.Tests;

/// <summary>The run functions that reach the engine (start, approve, reject), on Core and the API, with a mocked Durable client.</summary>
public sealed class RunFunctionsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 5, TimeSpan.Zero);
    private readonly FunctionsShell _shell = new(Now);

    public RunFunctionsTests()
    {
        _shell.AddSync(new SyncDefinition
        {
            Id = "orders",
            Name = "Orders",
            DestinationId = "dest",
            Source = new SourceDefinition("file", "/data/orders.csv"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
            CreatedAt = Now.AddDays(-1),
        });
    }

    public void Dispose() => _shell.Dispose();

    [Fact]
    public async Task StartAsync_RunStarted_Answers202WithTheRunLocationAndTheManagementPayload()
    {
        // Arrange
        var request = _shell.Request("POST", "/api/syncs/orders/runs", "?mode=full");
        var functions = _shell.Create<RunFunctions>();

        // Act
        var result = await functions.StartAsync(request, "orders", _shell.Client);
        await result.ExecuteAsync(request.HttpContext);

        // Assert: one orchestration, under the run's id.
        var scheduled = Assert.Single(_shell.Scheduled);
        var runId = scheduled.Options?.InstanceId ?? string.Empty;
        Assert.Matches(@"^orders\.20260310T120005000\.m[0-9a-f]{4}$", runId);
        Assert.Equal(WorkflowNames.Orchestration, scheduled.Name.Name);
        Assert.Equal(new RunInput(runId, "orders", RunMode.Full), scheduled.Input);
        Assert.Equal(runId, Assert.Single(_shell.SavedRuns).RunId);

        // The answer, as written to the response.
        var response = request.HttpContext.Response;
        Assert.Equal(StatusCodes.Status202Accepted, response.StatusCode);
        Assert.Equal($"https://cohortsync.example.net/api/runs/{Uri.EscapeDataString(runId)}", response.Headers.Location.ToString());
        response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(response.Body);
        var instanceUrl = $"{FunctionsShell.DurableBaseUrl}/instances/{Uri.EscapeDataString(runId)}";
        // The local host's body (run id, started, status, status URL), and the Durable management URLs beside it.
        Assert.Equal(runId, body.RootElement.GetProperty("runId").GetString());
        Assert.True(body.RootElement.GetProperty("started").GetBoolean());
        Assert.Equal(response.Headers.Location.ToString(), body.RootElement.GetProperty("statusUri").GetString());
        var management = body.RootElement.GetProperty("management");
        Assert.Equal(runId, management.GetProperty("id").GetString());
        Assert.Equal($"{instanceUrl}?{FunctionsShell.DurableQuery}", management.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal($"{instanceUrl}/raiseEvent/{{eventName}}?{FunctionsShell.DurableQuery}", management.GetProperty("sendEventPostUri").GetString());
        Assert.StartsWith($"{instanceUrl}/terminate?", management.GetProperty("terminatePostUri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_RunAlreadyUnderWay_AnswersTheApiResultAndSchedulesNothing()
    {
        // Arrange
        const string active = "orders.20260310T115900.m1234";
        _shell.AddRun(new RunRecord { RunId = active, SyncId = "orders", Trigger = "manual", Status = RunStatus.Sending, CreatedAt = Now, UpdatedAt = Now });
        _shell.AddSync(
            new SyncDefinition
            {
                Id = "orders",
                Name = "Orders",
                DestinationId = "dest",
                Source = new SourceDefinition("file", "/data/orders.csv"),
                Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
                CreatedAt = Now.AddDays(-1),
            },
            new SyncState { SyncId = "orders", ActiveRunId = active });
        var request = _shell.Request("POST", "/api/syncs/orders/runs");
        var functions = _shell.Create<RunFunctions>();

        // Act
        var result = await functions.StartAsync(request, "orders", _shell.Client);

        // Assert
        Assert.IsNotType<Accepted<object>>(result);
        Assert.Equal(StatusCodes.Status200OK, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode ?? StatusCodes.Status200OK);
        Assert.Empty(_shell.Scheduled);
        Assert.Empty(_shell.SavedRuns);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DecideAsync_RunAwaitingApproval_RaisesTheDecisionEvent(bool approve)
    {
        // Arrange
        const string runId = "orders.20260310T120000.s";
        _shell.AddRun(new RunRecord { RunId = runId, SyncId = "orders", Trigger = "schedule", Status = RunStatus.AwaitingApproval, CreatedAt = Now, UpdatedAt = Now });
        var request = _shell.Request("POST", $"/api/runs/{runId}/" + (approve ? "approve" : "reject"));
        var functions = _shell.Create<RunFunctions>();

        // Act
        var result = approve
            ? await functions.ApproveAsync(request, runId, _shell.Client)
            : await functions.RejectAsync(request, runId, _shell.Client);

        // Assert
        Assert.Equal(StatusCodes.Status200OK, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode ?? StatusCodes.Status200OK);
        var raised = Assert.Single(_shell.Raised);
        Assert.Equal(runId, raised.InstanceId);
        Assert.Equal(WorkflowNames.DecisionEvent, raised.Name);
        var decision = Assert.IsType<RunDecision>(raised.Payload);
        Assert.Equal(approve, decision.Approved);
        Assert.Equal(Now, decision.At);
        Assert.Equal(decision, Assert.Single(_shell.SavedRuns).Decision);
    }

    [Fact]
    public async Task ApproveAsync_RunNotAwaitingApproval_RaisesNothing()
    {
        // Arrange
        const string runId = "orders.20260310T120000.s";
        _shell.AddRun(new RunRecord { RunId = runId, SyncId = "orders", Trigger = "schedule", Status = RunStatus.Completed, CreatedAt = Now, UpdatedAt = Now });
        var functions = _shell.Create<RunFunctions>();

        // Act
        var result = await functions.ApproveAsync(_shell.Request("POST", $"/api/runs/{runId}/approve"), runId, _shell.Client);

        // Assert
        Assert.Equal(StatusCodes.Status400BadRequest, Assert.IsAssignableFrom<IStatusCodeHttpResult>(result).StatusCode);
        Assert.Empty(_shell.Raised);
    }
}
