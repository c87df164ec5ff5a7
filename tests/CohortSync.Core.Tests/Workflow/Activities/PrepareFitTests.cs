using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Workflow.Activities;

namespace CohortSync.Core.Tests.Workflow.Activities;

/// <summary>Prepare's check that the cohort fits the sync: the columns its chain reads exist, and the chain matches someone.</summary>
public sealed class PrepareFitTests
{
    private static readonly IdentifierChain Chain = new(
        [new IdentifierMapping("userid", KeyKind.UserId), new IdentifierMapping("device_id", KeyKind.DeviceId)],
        [new CarriedField("email", "email")]);

    [Fact]
    public void CheckFit_FieldThatIsNotAColumn_FailsNamingTheFieldAndTheColumns()
    {
        // Arrange: Amplitude's column is user_id; the sync reads userid.
        var columns = new MemberSchema(["amplitude_id", "user_id", "device_id", "email"]);

        // Act
        var error = Assert.Throws<ValidationException>(() => PrepareRunActivity.CheckFit(Chain, columns, total: 10, unmatched: 10));

        // Assert
        Assert.Contains("no column 'userid'", error.Message, StringComparison.Ordinal);
        Assert.Contains("its columns are: amplitude_id, user_id, device_id, email", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckFit_ChainThatMatchesNoMember_Fails()
    {
        // Arrange
        var columns = new MemberSchema(["userid", "device_id", "email"]);

        // Act
        var error = Assert.Throws<ValidationException>(() => PrepareRunActivity.CheckFit(Chain, columns, total: 3, unmatched: 3));

        // Assert
        Assert.Contains("no member of the cohort (3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'userid', 'device_id'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 2)] // someone matched
    [InlineData(0, 0)] // an empty cohort: nothing to say about its members
    public void CheckFit_CohortThatFits_Passes(int total, int unmatched)
    {
        // Arrange
        var columns = new MemberSchema(["USERID", "device_id", "email"]); // names match as the chain reads them, ignoring case

        // Act
        var error = Record.Exception(() => PrepareRunActivity.CheckFit(Chain, columns, total, unmatched));

        // Assert
        Assert.Null(error);
    }
}
