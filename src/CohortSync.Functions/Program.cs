using CohortSync.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The isolated worker with ASP.NET Core integration: HTTP functions take HttpRequest and return IResult, so they call the
// very handlers LocalHost maps.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

builder.Services.AddCohortSyncFunctionsTelemetry();
builder.Services.AddCohortSyncFunctionsApp(builder.Configuration);

await builder.Build().RunAsync();
