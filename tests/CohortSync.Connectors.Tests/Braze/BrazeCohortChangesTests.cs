using CohortSync.Connectors.Braze;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeCohortChangesTests
{
    [Fact]
    public void Plan_MoreChangesThanTheCap_SplitsIntoRequestsOfAtMostAThousandIdentifiers()
    {
        // Arrange
        var changes = Enumerable.Range(0, 2_500).Select(i => Change(i % 5 == 0 ? ChangeKind.Remove : ChangeKind.Add, KeyKind.UserId, $"user-{i}")).ToList();

        // Act
        var plan = BrazeCohortChanges.Plan(Indexed(changes));

        // Assert
        Assert.Equal([1_000, 1_000, 500], plan.Requests.Select(r => r.Changes.Sum(c => c.IdentifierCount)));
        Assert.Equal(Enumerable.Range(0, 2_500), plan.Requests.SelectMany(r => r.Indexes));
        Assert.Empty(plan.Rejections);
    }

    [Fact]
    public void Plan_MixedKinds_PutsTheRemoveObjectFirstAndSortsIdentifiersByKind()
    {
        // Arrange
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u1"),
            Change(ChangeKind.Add, KeyKind.DeviceId, "d1"),
            Change(ChangeKind.Remove, KeyKind.Alias, "a@example.com", "amplitude"),
            Change(ChangeKind.Remove, KeyKind.UserId, "u2"),
            Change(ChangeKind.Update, KeyKind.Alias, "b@example.com", "amplitude"),
        };

        // Act
        var request = Assert.Single(BrazeCohortChanges.Plan(Indexed(changes)).Requests);

        // Assert
        Assert.Equal(2, request.Changes.Count);
        var remove = request.Changes[0];
        var add = request.Changes[1];
        Assert.True(remove.ShouldRemove);
        Assert.Equal(["u2"], remove.UserIds);
        Assert.Empty(remove.DeviceIds);
        Assert.Equal([new BrazeUserAlias("a@example.com", "amplitude")], remove.Aliases);
        Assert.False(add.ShouldRemove);
        Assert.Equal(["u1"], add.UserIds);
        Assert.Equal(["d1"], add.DeviceIds);
        Assert.Equal([new BrazeUserAlias("b@example.com", "amplitude")], add.Aliases);
    }

    [Fact]
    public void Plan_OnlyAdds_SendsOneAddObject()
    {
        // Arrange
        var changes = new[] { Change(ChangeKind.Add, KeyKind.UserId, "u1") };

        // Act
        var request = Assert.Single(BrazeCohortChanges.Plan(Indexed(changes)).Requests);

        // Assert
        Assert.False(Assert.Single(request.Changes).ShouldRemove);
    }

    [Fact]
    public void Plan_KindThePartnerImportCannotCarry_RefusesItWithoutRevalidatingTheOthers()
    {
        // Arrange: Prepare validated keys; a too-long id is not checked again here, an email (a mode switched after Prepare) is refused
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u1"),
            Change(ChangeKind.Add, KeyKind.Email, "someone@example.com"),
            Change(ChangeKind.Add, KeyKind.UserId, new string('x', 4_000)),
        };

        // Act
        var plan = BrazeCohortChanges.Plan(Indexed(changes));

        // Assert
        Assert.Equal([(1, BrazeCohortChanges.UnsupportedKind)], plan.Rejections.Select(r => (r.Index, r.Reason)));
        var request = Assert.Single(plan.Requests);
        Assert.Equal([0, 2], request.Indexes);
    }

    [Fact]
    public void Plan_EmptyBatch_PlansNoRequest()
    {
        // Act
        var plan = BrazeCohortChanges.Plan([]);

        // Assert
        Assert.Empty(plan.Requests);
    }

    [Fact]
    public void Serialize_UsersRequest_WritesBrazesFieldNames()
    {
        // Arrange
        var body = new BrazeCohortUsersRequest(
            "pk",
            "cs",
            "cohortsync-s1",
            [new BrazeCohortChange(["u1"], [], [new BrazeUserAlias("Zoë", "amplitude")], ShouldRemove: true)]);

        // Act
        var json = System.Text.Encoding.UTF8.GetString(BrazeJson.Serialize(body));

        // Assert
        Assert.Equal(
            "{\"partner_api_key\":\"pk\",\"client_secret\":\"cs\",\"cohort_id\":\"cohortsync-s1\",\"cohort_changes\":[{\"user_ids\":[\"u1\"],\"device_ids\":[],\"aliases\":[{\"alias_name\":\"Zoë\",\"alias_label\":\"amplitude\"}],\"should_remove\":true}]}",
            json);
    }

    [Fact]
    public void ToString_Requests_LeaveKeysAndIdentifiersOut()
    {
        // Arrange
        var users = new BrazeCohortUsersRequest("partner-key", "client-key", "c", [new BrazeCohortChange(["user-1"], [], [], false)]);
        var cohort = new BrazeCohortRequest("partner-key", "client-key", "c", "n", "2026-01-01T00:00:00Z");

        // Act
        var text = users + " " + cohort + " " + users.CohortChanges[0];

        // Assert
        Assert.DoesNotContain("partner-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("client-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("user-1", text, StringComparison.Ordinal);
    }

    private static List<MemberChange> Indexed(IEnumerable<MemberChange> changes) => [.. changes.Select((c, i) => c with { Index = i })];

    private static MemberChange Change(ChangeKind kind, KeyKind keyKind, string value, string? label = null) =>
        new(0, kind, new DestinationKey(keyKind, value, label), new Dictionary<string, string>());
}
