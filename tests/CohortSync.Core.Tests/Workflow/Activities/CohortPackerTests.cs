using System.Text;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Workflow.Activities;
using CohortSync.TestHelpers.Snapshots;
using Moq;

namespace CohortSync.Core.Tests.Workflow.Activities;

public sealed class CohortPackerTests
{
    private static readonly IdentifierChain Chain = new(
        [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("email", KeyKind.Email)],
        [new CarriedField("email", "email")]);

    [Fact]
    public async Task PackAsync_ManyBlocksOfMembers_PacksEachOnceWithItsKeyAndPayload()
    {
        // Arrange: more members than a few blocks hold, some unmatched and some refused by the destination.
        var csv = new StringBuilder("user_id,email\n");
        for (var i = 0; i < 10_000; i++)
        {
            csv.Append(i % 100 == 0 ? "" : $"u{i}").Append(',').Append(i % 150 == 0 ? "" : $"m{i}@example.com").Append('\n');
        }

        var connector = Refusing(key => key.Value.EndsWith('7') ? "ends in 7" : null);

        // Act
        var result = await Pack(csv.ToString(), connector);
        var snapshot = result.Builder.BuildPacked();

        // Assert
        Assert.Equal(10_000, result.Total);
        Assert.Equal(34, result.Unmatched); // neither user id (every 100th) nor email (every 150th): every 300th
        Assert.Equal(1_000, result.Invalid); // user ids ending in 7
        Assert.Equal(new Dictionary<string, int> { ["no value for user_id, email"] = 34, ["ends in 7"] = 1_000 }, result.SkipReasons);
        Assert.Equal(8_966, snapshot.Count);
        Assert.Equal("email=m1@example.com", snapshot.Enumerate().Single(e => e.Key == "u::u1").Payload);
        Assert.Equal("email=m100@example.com", snapshot.Enumerate().Single(e => e.Key == "e::m100@example.com").Payload);
        Assert.Null(snapshot.Enumerate().Single(e => e.Key == "u::u150").Payload);
        Assert.Equal(["user_id", "email"], result.Columns!.Columns);
    }

    [Fact]
    public async Task PackAsync_MemberLongerThanABlock_PackedWhole()
    {
        // Arrange: one id of 40,000 characters (a block holds 32,768) between two ordinary members.
        var id = new string('x', 40_000);
        var csv = $"user_id,email\nu1,a@example.com\n{id},b@example.com\nu3,c@example.com\n";

        // Act
        var snapshot = (await Pack(csv, Refusing(_ => null))).Builder.BuildPacked();

        // Assert
        Assert.Equal(3, snapshot.Count);
        Assert.Contains(snapshot.Enumerate(), e => e.Key == "u::" + id && e.Payload == "email=b@example.com");
    }

    [Fact]
    public async Task PackAsync_MalformedRowAfterManyMembers_ThrowsTheSourcesExceptionItself()
    {
        // Arrange: the fault comes blocks after the start, so earlier blocks are packed before it surfaces.
        var csv = new StringBuilder("user_id,email\n");
        for (var i = 0; i < 5_000; i++)
        {
            csv.Append($"u{i},m{i}@example.com\n");
        }

        csv.Append("u-bad,\"never closed\n");

        // Act
        var ex = await Assert.ThrowsAsync<MalformedSourceException>(() => Pack(csv.ToString(), Refusing(_ => null)));

        // Assert
        Assert.Equal(5_002, ex.Line);
        Assert.Equal(2, ex.Column);
    }

    [Fact]
    public async Task PackAsync_Cancelled_StopsWithCancellation()
    {
        // Arrange
        var csv = "user_id\n" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"u{i}\n"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // Act and assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Pack(csv, Refusing(_ => null), cancelled.Token));
    }

    private static async Task<CohortPacker.Result> Pack(string csv, IDestinationConnector connector, CancellationToken cancellationToken = default)
    {
        using var reader = MemberFileReader.Open(new StringReader(csv), MemberFileFormat.Csv);
        return await CohortPacker.PackAsync(reader, Chain, connector, expected: 0, cancellationToken);
    }

    private static IDestinationConnector Refusing(Func<DestinationKey, string?> rule)
    {
        var connector = new Mock<IDestinationConnector> { CallBase = true };
        connector.Setup(c => c.Validate(It.IsAny<DestinationKey>(), It.IsAny<string?>())).Returns((DestinationKey key, string? _) => rule(key));
        return connector.Object;
    }
}
