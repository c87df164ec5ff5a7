using System.Text;
using CohortSync.Connectors.Productboard;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardPayloadsTests
{
    [Fact]
    public void CreateUser_MemberWithEmailAndNoExternalId_UsesTheUserIdAsExternalId()
    {
        // Arrange
        var member = new ProductboardMember("user-1", "jane@example.com", null);

        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.CreateUser(member, "company-1"));

        // Assert
        Assert.Equal("""{"data":{"externalId":"user-1","email":"jane@example.com","company":{"id":"company-1"}}}""", json);
    }

    [Fact]
    public void CreateUser_MemberWithExternalIdAndNoEmail_SendsTheExternalIdAndNoEmail()
    {
        // Arrange
        var member = new ProductboardMember("user-1", null, "crm-7");

        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.CreateUser(member, "company-1"));

        // Assert
        Assert.Equal("""{"data":{"externalId":"crm-7","company":{"id":"company-1"}}}""", json);
    }

    [Fact]
    public void UpdateUser_MemberWithAnEmail_SendsTheEmailAndTheLinkButNotTheExternalId()
    {
        // Arrange: the user was found by its external id, which the PATCH leaves as it is.
        var member = new ProductboardMember("user-1", "new@example.com", "crm-7");

        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.UpdateUser(member, "company-1"));

        // Assert
        Assert.Equal("""{"data":{"email":"new@example.com","company":{"id":"company-1"}}}""", json);
    }

    [Fact]
    public void UnlinkCompany_Always_WritesAnExplicitNull()
    {
        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.UnlinkCompany());

        // Assert
        Assert.Equal("""{"data":{"company":null}}""", json);
    }

    [Fact]
    public void CreateCompany_NameAndExternalId_AreSentWithADescription()
    {
        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.CreateCompany("[Amplitude] Trial", "cohortsync:s1"));

        // Assert
        Assert.StartsWith("""{"data":{"name":"[Amplitude] Trial","externalId":"cohortsync:s1","description":""", json, StringComparison.Ordinal);
    }
}
