using CohortSync.Connectors.Iterable;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Tests.Iterable;

public sealed class IterableResponseMapperTests
{
    private static readonly IReadOnlyList<(int Index, DestinationKey Key)> Sent =
    [
        (0, new DestinationKey(KeyKind.UserId, "u-0")),
        (2, new DestinationKey(KeyKind.UserId, "u-2")),
        (3, new DestinationKey(KeyKind.Email, "Mixed.Case@Example.com")),
        (5, new DestinationKey(KeyKind.Email, "bad@example.zz")),
        (6, new DestinationKey(KeyKind.UserId, "u-6")),
    ];

    [Fact]
    public void Map_FailedUpdatesOnSubscribe_RejectsEachNamedMemberAtItsIndexWithItsReason()
    {
        // Arrange
        var response = Response(
            failCount: 4,
            failed: Failed(invalidEmails: ["bad@example.zz"], notFoundUserIds: ["u-2"], notFoundEmails: ["mixed.case@example.com"], conflictUserIds: ["u-6"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Equal(
            [
                new(2, IterableResponseMapper.NotFound),
                new(3, IterableResponseMapper.NotFound),
                new(5, IterableResponseMapper.InvalidEmail),
                new(6, IterableResponseMapper.Conflict),
            ],
            outcome.Rejections);
        Assert.Equal((0, 0), (outcome.AbsentOnRemove, outcome.Unattributed));
    }

    [Fact]
    public void Map_ForgottenOnSubscribe_IsSkippedNotRejected()
    {
        // Arrange: Iterable refuses a forgotten (GDPR) user for good, so a rejection would re-send them every run.
        var response = Response(failCount: 2, failed: Failed(forgottenUserIds: ["u-6"], notFoundUserIds: ["u-2"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Equal([new(2, IterableResponseMapper.NotFound)], outcome.Rejections);
        Assert.Equal((1, 0, 0), (outcome.Forgotten, outcome.AbsentOnRemove, outcome.Unattributed));
    }

    [Fact]
    public void Map_NotFoundOnUnsubscribe_CountsTheRemoveAsDone()
    {
        // Arrange
        var response = Response(failCount: 2, failed: Failed(notFoundUserIds: ["u-0"], forgottenUserIds: ["u-6"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: true);

        // Assert
        Assert.Empty(outcome.Rejections);
        Assert.Equal(2, outcome.AbsentOnRemove);
    }

    [Fact]
    public void Map_InvalidUserIdOnUnsubscribe_IsStillRejected()
    {
        // Arrange
        var response = Response(failCount: 1, failed: Failed(invalidUserIds: ["u-0"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: true);

        // Assert
        Assert.Equal([new(0, IterableResponseMapper.InvalidUserId)], outcome.Rejections);
    }

    [Fact]
    public void Map_OnlyTheDeprecatedTopLevelLists_AreReadToo()
    {
        // Arrange: the shape of a real 2021 answer, before failedUpdates.
        var response = new IterableBulkUpdateResponse(4, 1, [], ["u-0"], null);

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Equal([new(0, IterableResponseMapper.InvalidUserId)], outcome.Rejections);
    }

    [Fact]
    public void Map_SameMemberInTwoCategories_IsRejectedOnce()
    {
        // Arrange
        var response = new IterableBulkUpdateResponse(4, 1, null, ["u-0"], Failed(invalidUserIds: ["u-0"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Single(outcome.Rejections);
        Assert.Equal(0, outcome.Unattributed);
    }

    [Fact]
    public void Map_FailuresNamingNothingSent_AreCountedAsUnattributed()
    {
        // Arrange: the user id differs in case (user ids are case-sensitive) and one failure names nobody.
        var response = Response(failCount: 2, failed: Failed(notFoundUserIds: ["U-0"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Empty(outcome.Rejections);
        Assert.Equal(2, outcome.Unattributed);
    }

    [Fact]
    public void Map_Reasons_NeverContainTheIdentifier()
    {
        // Arrange
        var response = Response(
            failCount: 5,
            failed: Failed(invalidEmails: ["bad@example.zz"], invalidUserIds: ["u-0"], notFoundUserIds: ["u-2"], conflictUserIds: ["u-6"], notFoundEmails: ["mixed.case@example.com"]));

        // Act
        var outcome = IterableResponseMapper.Map(Sent, response, unsubscribe: false);

        // Assert
        Assert.Equal(5, outcome.Rejections.Count);
        Assert.All(outcome.Rejections, r => Assert.DoesNotContain(Sent.Single(s => s.Index == r.Index).Key.Value, r.Reason, StringComparison.OrdinalIgnoreCase));
    }

    private static IterableBulkUpdateResponse Response(int failCount, IterableFailedUpdates failed) =>
        new(Sent.Count - failCount, failCount, null, null, failed);

    private static IterableFailedUpdates Failed(
        string[]? invalidEmails = null,
        string[]? invalidUserIds = null,
        string[]? notFoundEmails = null,
        string[]? notFoundUserIds = null,
        string[]? forgottenUserIds = null,
        string[]? conflictUserIds = null) =>
        new(invalidEmails ?? [], invalidUserIds ?? [], notFoundEmails ?? [], notFoundUserIds ?? [], [], forgottenUserIds ?? [], [], conflictUserIds ?? [], [], []);
}
