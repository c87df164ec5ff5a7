using System.Text;
using CohortSync.Connectors.Productboard;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardPayloadsTests
{
    [Fact]
    public void LinkUser_MemberWithEmailAndNoExternalId_UsesTheUserIdAsExternalId()
    {
        // Arrange
        var member = new ProductboardMember("user-1", "jane@example.com", null);

        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.LinkUser(member, "company-1"));

        // Assert
        Assert.Equal("""{"data":{"externalId":"user-1","email":"jane@example.com","company":{"id":"company-1"}}}""", json);
    }

    [Fact]
    public void LinkUser_MemberWithExternalIdAndNoEmail_SendsTheExternalIdAndNoEmail()
    {
        // Arrange
        var member = new ProductboardMember("user-1", null, "crm-7");

        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.LinkUser(member, "company-1"));

        // Assert
        Assert.Equal("""{"data":{"externalId":"crm-7","company":{"id":"company-1"}}}""", json);
    }

    [Fact]
    public void FindUser_AnyMember_SendsOnlyTheExternalId()
    {
        // Act
        var json = Encoding.UTF8.GetString(ProductboardPayloads.FindUser("crm-7"));

        // Assert
        Assert.Equal("""{"data":{"externalId":"crm-7"}}""", json);
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
