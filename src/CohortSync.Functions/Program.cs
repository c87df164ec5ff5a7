using CohortSync.Api;
using CohortSync.Azure;
using CohortSync.Connectors;
using CohortSync.Core;
using CohortSync.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The isolated worker with ASP.NET Core integration (functions-worker-api.md §1, "Host bootstrap" and "ASP.NET Core
// integration"): HTTP functions take HttpRequest and return IResult, so they call the very handlers LocalHost maps.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// One entry point per project. Each binds its options and validates them at start-up (Storage:*, KeyVault:*), so a
// missing or malformed setting stops the worker before it takes a trigger.
builder.Services.AddCohortSyncCore();
builder.Services.AddCohortSyncTableStorage(builder.Configuration);
builder.Services.AddCohortSyncConnectors();
builder.Services.AddCohortSyncKeyVault(builder.Configuration);
builder.Services.AddCohortSyncApi();
builder.Services.AddDurableWorkflowEngine();

await builder.Build().RunAsync();
