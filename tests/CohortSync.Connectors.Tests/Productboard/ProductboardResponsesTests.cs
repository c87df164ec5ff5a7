using System.Net;
using CohortSync.Connectors.Productboard;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardResponsesTests
{
    [Fact]
    public void ReadErrors_ListForm_ReadsCodeDetailAndSource()
    {
        // Arrange
        const string json = """{"errors":[{"code":"validation.request.body.email","title":"Invalid","detail":"bad","source":{"pointer":"/data/email"}}]}""";

        // Act
        var errors = ProductboardResponses.ReadErrors(json);

        // Assert
        Assert.Equal(new ProductboardError("validation.request.body.email", "bad", "/data/email", null), Assert.Single(errors));
    }

    [Fact]
    public void ReadErrors_NotesForm_ReadsNestedStringsAndObjects()
    {
        // Arrange
        const string json = """{"ok":false,"errors":{"user":["Provided external ID does not match the existing external ID of the user identified by the given email address."],"other":[{"code":"x"}]}}""";

        // Act
        var errors = ProductboardResponses.ReadErrors(json);

        // Assert
        Assert.Equal(2, errors.Count);
        Assert.Equal(ProductboardResponses.ExternalIdConflictReason, ProductboardResponses.ConflictReason(errors));
    }

    [Theory]
    [InlineData("Provided email address does not match an existing email address associated with the user identified by the given external ID.", ProductboardResponses.EmailConflictReason)]
    [InlineData("Provided external ID does not match the existing external ID of the user identified by the given email address.", ProductboardResponses.ExternalIdConflictReason)]
    [InlineData("A user with the provided email address already exists.", ProductboardResponses.EmailTakenReason)]
    [InlineData("A user with the provided external ID already exists.", ProductboardResponses.ExternalIdTakenReason)]
    [InlineData("Something else clashed.", ProductboardResponses.OtherConflictReason)]
    public void ConflictReason_DocumentedDetails_MapToFixedReasons(string detail, string expected)
    {
        // Arrange
        var errors = new[] { new ProductboardError("conflict", detail, null, null) };

        // Act
        var reason = ProductboardResponses.ConflictReason(errors);

        // Assert
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void FieldRefusalReason_CodeThatIsNotAPlainWord_IsLeftOut()
    {
        // Arrange
        var errors = new[] { new ProductboardError("validation.email <jane@example.com>", "jane@example.com is bad", "/data/email", null) };

        // Act
        var reason = ProductboardResponses.FieldRefusalReason(HttpStatusCode.BadRequest, errors);

        // Assert
        Assert.Equal("productboard: email refused (HTTP 400)", reason);
        Assert.DoesNotContain("@", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldRefusalReason_PointerIntoData_NamesTheFieldAndTheCode()
    {
        // Arrange
        var errors = new[] { new ProductboardError("validation.request.body.externalId", "too long", "/data/externalId", null) };

        // Act
        var reason = ProductboardResponses.FieldRefusalReason(HttpStatusCode.UnprocessableEntity, errors);

        // Assert
        Assert.Equal("productboard: externalId refused (HTTP 422 validation.request.body.externalId)", reason);
    }

    [Fact]
    public void FieldRefusalReason_ErrorAboutAHeader_IsNotAMemberRefusal()
    {
        // Arrange
        var errors = new[] { new ProductboardError("validation.request.headers", "X-Version is required", null, "X-Version") };

        // Act
        var reason = ProductboardResponses.FieldRefusalReason(HttpStatusCode.BadRequest, errors);

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void ReadUser_PublicSchema_ReadsIdEmailAndExternalIdAndIgnoresAnythingElse()
    {
        // Act: the public user schema has no company; a field it does not document is not read.
        var user = ProductboardResponses.ReadUser("""{"data":{"id":"u1","email":"a@example.com","externalId":"crm-7","name":null,"company":{"id":"c1"}}}""");
        var garbage = ProductboardResponses.ReadUser("<html>");

        // Assert
        Assert.Equal(new ProductboardUser("u1", "a@example.com", "crm-7"), user);
        Assert.Null(garbage);
    }

    [Fact]
    public void ReadUserPage_WithNextLink_ReadsUsersAndTheLink()
    {
        // Act
        var page = ProductboardResponses.ReadUserPage("""{"data":[{"id":"u1","email":null,"externalId":"x","name":null}],"links":{"next":"https://api.productboard.com/users?pageOffset=100"}}""");

        // Assert
        Assert.Equal(new ProductboardUser("u1", null, "x"), Assert.Single(page.Items));
        Assert.Equal(new Uri("https://api.productboard.com/users?pageOffset=100"), page.Next);
    }

    [Fact]
    public void ReadCompanyPage_WithNextLink_ReadsCompaniesAndTheLink()
    {
        // Act
        var (companies, next) = ProductboardResponses.ReadCompanyPage("""{"data":[{"id":"c1","name":"A","externalId":"x"}],"links":{"next":"https://api.productboard.com/companies?pageOffset=100"}}""");

        // Assert
        Assert.Equal(new ProductboardCompany("c1", "A", "x"), Assert.Single(companies));
        Assert.Equal(new Uri("https://api.productboard.com/companies?pageOffset=100"), next);
    }
}
