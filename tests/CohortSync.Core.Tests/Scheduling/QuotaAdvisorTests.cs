using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Tests.Scheduling;

public sealed class QuotaAdvisorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("minute", 43_200)]
    [InlineData("hourly", 720)]
    [InlineData("daily", 30)]
    [InlineData("once", 1)]
    [InlineData("manual", 0)]
    [InlineData("cron:0 0 */6 * * *", 120)]
    public void ExportsPerMonth_Cadence_CountsItsSlotsIn30Days(string cadence, int expected) =>
        Assert.Equal(expected, QuotaAdvisor.ExportsPerMonth(cadence, Now));

    [Fact]
    public void Warn_EveryMinuteFromAmplitude_WarnsWithTheFigures()
    {
        // Act
        var warning = QuotaAdvisor.Warn(Sync("s1", "c1", "minute"), [], Now);

        // Assert
        Assert.NotNull(warning);
        Assert.Contains("43,200", warning, StringComparison.Ordinal);
        Assert.Contains("500", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Warn_HourlyAloneFits_ButNotWithAnotherHourlyCohortOfTheProject()
    {
        // Arrange
        var hourly = Sync("s1", "c1", "cron:0 0 */2 * * *");

        // Act
        var alone = QuotaAdvisor.Warn(hourly, [], Now);
        var sameCohort = QuotaAdvisor.Warn(hourly, [Sync("s2", "c1", "cron:0 0 */2 * * *")], Now);
        var otherCohort = QuotaAdvisor.Warn(hourly, [Sync("s3", "c2", "cron:0 0 */2 * * *")], Now);

        // Assert: 360 a month each; one cohort shares its export, two cohorts spend 720.
        Assert.Null(alone);
        Assert.Null(sameCohort);
        Assert.Contains("720", otherCohort, StringComparison.Ordinal);
    }

    [Fact]
    public void Warn_FileSource_NeverWarns() =>
        Assert.Null(QuotaAdvisor.Warn(Sync("s1", "c1", "minute") with { Source = new SourceDefinition("file", "/x.csv") }, [], Now));

    private static SyncDefinition Sync(string id, string cohort, string cadence) => new()
    {
        Id = id,
        Name = id,
        DestinationId = "d",
        Source = new SourceDefinition("amplitude", cohort),
        Cadence = cadence,
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };
}
