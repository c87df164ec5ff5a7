using System.Text;
using CohortSync.Core.Errors;
using CohortSync.Core.Sources.Webhooks;

namespace CohortSync.Core.Tests.Sources.Webhooks;

public sealed class CohortWebhookMessageTests
{
    // Amplitude's documented example payload (user id only template).
    private const string Documented = """
        {
            "cohort_name": "My Test Cohort",
            "cohort_id": "7khm89cz",
            "in_cohort": true,
            "computed_time": "1692206763",
            "message_id": "9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0",
            "users": [
              { "user_id": "user_one@example.com" },
              { "user_id": "user_two@example.com" },
              { "user_id": "user_three@example.com" }
            ]
        }
        """;

    [Fact]
    public void Parse_DocumentedExample_ReadsEveryField()
    {
        // Act
        var message = Parse(Documented);

        // Assert
        Assert.Equal("9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0", message.MessageId);
        Assert.Equal("7khm89cz", message.CohortId);
        Assert.Equal("My Test Cohort", message.CohortName);
        Assert.True(message.InCohort);
        Assert.Equal(1692206763, message.ComputedTime);
        Assert.Equal(["user_one@example.com", "user_two@example.com", "user_three@example.com"], message.UserIds);
        Assert.Equal(0, message.Skipped);
    }

    [Fact]
    public void Parse_WithUserPropertiesAndNumbers_AcceptsThemAndReadsOnlyTheIds()
    {
        // Arrange: the properties template, computed_time as a number, in_cohort quoted.
        const string body = """
            {"cohort_id":"c1","in_cohort":"false","computed_time":1692206800,"message_id":"m::exit::3",
             "users":[{"user_id":"u1","user_properties":{"country":"US","age":3}}]}
            """;

        // Act
        var message = Parse(body);

        // Assert
        Assert.False(message.InCohort);
        Assert.Equal(1692206800, message.ComputedTime);
        Assert.Equal(["u1"], message.UserIds);
    }

    [Fact]
    public void Parse_UsersWithoutUserId_AreSkippedAndCounted()
    {
        // Act
        var message = Parse("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m","users":[{"user_id":null},{"device_id":"d"},{"user_id":" "},{"user_id":"u"}]}""");

        // Assert
        Assert.Equal(["u"], message.UserIds);
        Assert.Equal(3, message.Skipped);
    }

    [Theory]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","users":[]}""", "message_id")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"","users":[]}""", "message_id")]
    [InlineData("""{"in_cohort":true,"computed_time":"1","message_id":"m","users":[]}""", "cohort_id")]
    [InlineData("""{"cohort_id":"c","in_cohort":"yes","computed_time":"1","message_id":"m","users":[]}""", "in_cohort")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"2023-08-16T17:26:03Z","message_id":"m","users":[]}""", "computed_time")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":-5,"message_id":"m","users":[]}""", "computed_time")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m"}""", "users")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m","users":{"user_id":"u"}}""", "users")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m","users":["u"]}""", "users[0]")]
    [InlineData("""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m","users":[{"user_id":"a"},{"user_id":7}]}""", "users[1].user_id")]
    [InlineData("""[{"user_id":"u"}]""", "body")]
    [InlineData("""{"cohort_id":"c",""", "body")]
    [InlineData("not json", "body")]
    public void Parse_BadBody_NamesTheField(string body, string field)
    {
        // Act
        var ex = Assert.Throws<ValidationException>(() => Parse(body));

        // Assert
        Assert.Contains(field, ex.Errors.Keys);
    }

    [Fact]
    public void Parse_UserIdTooLong_IsRefusedWithoutQuotingIt()
    {
        // Arrange
        var id = new string('x', CohortWebhookSource.MaxUserIdLength + 1);

        // Act
        var ex = Assert.Throws<ValidationException>(() => Parse($$"""{"cohort_id":"c","in_cohort":true,"computed_time":"1","message_id":"m","users":[{"user_id":"{{id}}"}]}"""));

        // Assert
        var problem = Assert.Single(ex.Errors["users[0].user_id"]);
        Assert.DoesNotContain(id, problem, StringComparison.Ordinal);
    }

    private static CohortWebhookMessage Parse(string body) => CohortWebhookMessage.Parse(Encoding.UTF8.GetBytes(body));
}
