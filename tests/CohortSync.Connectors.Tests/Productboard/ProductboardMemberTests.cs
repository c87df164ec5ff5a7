using CohortSync.Connectors.Productboard;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardMemberTests
{
    [Fact]
    public void From_DecodedChangeWithCarriedFields_ReadsUserIdEmailAndExternalId()
    {
        // Arrange
        var payload = MemberPayload.Encode([new("email", "jane@example.com"), new("externalId", "crm-7")]);
        var change = MemberChange.Decode(0, new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create(new DestinationKey(KeyKind.UserId, "user-1").Encode(), payload)));

        // Act
        var member = ProductboardMember.From(change);

        // Assert
        Assert.Equal(new ProductboardMember("user-1", "jane@example.com", "crm-7"), member);
        Assert.Equal("crm-7", member.MergeKey);
    }

    [Fact]
    public void MergeKey_NoExternalId_IsTheUserId()
    {
        // Act
        var member = ProductboardMember.From(new DestinationKey(KeyKind.UserId, "user-1"), new Dictionary<string, string> { ["email"] = "jane@example.com" });

        // Assert
        Assert.Equal("user-1", member.MergeKey);
        Assert.Null(member.ExternalId);
    }
}
