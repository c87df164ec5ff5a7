using Microsoft.Extensions.Options;

namespace CohortSync.Azure.Tables;

/// <summary>Checks at start-up that the tables can be reached: an endpoint (managed identity) or a connection string, not both.</summary>
internal sealed class TableStorageOptionsValidator : IValidateOptions<TableStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, TableStorageOptions options) =>
        options.ConnectionProblem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
