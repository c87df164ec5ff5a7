using CohortSync.LocalHost.Cli;

return await CliApp.Build().Parse(args).InvokeAsync();
