using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>The Iterable sandbox as a typed project, over raw HTTP: a field's first value fixes its type.</summary>
public sealed class IterableTypedProjectSandboxTests(SandboxFixture fixture) : IterableSandboxTestBase(fixture)
{
    [Theory]
    [InlineData("3", "\"three\"", "long")]
    [InlineData("3", "2.5", "long")]
    [InlineData("true", "\"true\"", "boolean")]
    [InlineData("\"2025-01-31 00:00:00 +00:00\"", "\"soon\"", "date")]
    [InlineData("\"pro\"", "7", "string")]
    public async Task Subscribe_ValueOfAnotherTypeThanTheFieldsFirst_IsInvalidDataAndNotSubscribed(string first, string second, string fixedType)
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Typed");

        // Act
        var firstAnswer = await SubscribeAsync(listId, "a", first);
        var secondAnswer = await SubscribeAsync(listId, "b", second);

        // Assert
        Assert.Equal(1, firstAnswer.GetProperty("successCount").GetInt32());
        Assert.Equal(["b"], secondAnswer.GetProperty("failedUpdates").GetProperty("invalidDataUserIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(fixedType, Iterable.DefaultProject.FieldTypeOf("f"));
        Assert.Equal(new HashSet<string> { "userId:a" }, Iterable.DefaultProject.Members(listId));
    }

    [Theory]
    [InlineData("double", "4")]
    [InlineData("string", "\"2025-01-31\"")]
    [InlineData("date", "\"2025-01-31T10:00:00Z\"")]
    public async Task Subscribe_ValueTheFieldsTypeTakes_IsStored(string type, string value)
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Typed");
        Iterable.DefaultProject.DefineField("f", type);

        // Act
        var answer = await SubscribeAsync(listId, "a", value);

        // Assert
        Assert.Equal(0, answer.GetProperty("failCount").GetInt32());
        Assert.Equal(type, Iterable.DefaultProject.FieldTypeOf("f"));
    }

    private async Task<JsonElement> SubscribeAsync(long listId, string userId, string fieldJson)
    {
        using var response = await SendAsync(
            HttpMethod.Post, "api/lists/subscribe", $$$"""{"listId":{{{listId}}},"subscribers":[{"userId":"{{{userId}}}","dataFields":{"f":{{{fieldJson}}}}}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
