using System.Text;
using System.Text.Json;
using CohortSync.Connectors.Pushwoosh;

namespace CohortSync.Connectors.Tests.Pushwoosh;

public sealed class PushwooshWireTests
{
    [Fact]
    public void BulkSetTags_TwoDevices_WritesTheDocumentedShapeWithTheTokenInTheBody()
    {
        // Arrange
        var devices = new[]
        {
            PushwooshWire.Device(new TagChange(0, "a@example.com", "append"), "Amplitude Cohorts", "Trial users"),
            PushwooshWire.Device(new TagChange(1, "b+x@example.com", "remove"), "Amplitude Cohorts", "Trial users"),
        };

        // Act
        var body = PushwooshWire.BulkSetTags("ABCDE-12345", "server-token", devices, 0, 2);

        // Assert
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal("ABCDE-12345", root.GetProperty("application").GetString());
        Assert.Equal("server-token", root.GetProperty("auth").GetString());
        Assert.False(root.GetProperty("create_missing_tags").GetBoolean());
        var second = root.GetProperty("devices")[1];
        Assert.Equal("b+x@example.com", second.GetProperty("user_id").GetString());
        Assert.Equal("remove", second.GetProperty("list_operator").GetString());
        Assert.Equal("Trial users", Assert.Single(second.GetProperty("tags").GetProperty("Amplitude Cohorts").EnumerateArray()).GetString());
        Assert.False(second.TryGetProperty("hwid", out _));
    }

    [Fact]
    public void AddListTag_Always_AsksForAListTagSpecificToApplicationAndUser()
    {
        // Act
        using var json = JsonDocument.Parse(PushwooshWire.AddListTag("server-token", "Amplitude Cohorts"));

        // Assert
        var request = json.RootElement.GetProperty("request");
        Assert.Equal("server-token", request.GetProperty("auth").GetString());
        var tag = request.GetProperty("tag");
        Assert.Equal(("Amplitude Cohorts", 3), (tag.GetProperty("name").GetString(), tag.GetProperty("type").GetInt32()));
        Assert.True(tag.GetProperty("application_specific").GetBoolean());
        Assert.True(tag.GetProperty("user_specific").GetBoolean());
    }

    [Theory]
    [InlineData(1000, 1000, "1000")]
    [InlineData(1001, 1000, "501,500")]
    [InlineData(2049, 1000, "683,683,683")]
    [InlineData(2050, 1000, "684,683,683")]
    [InlineData(50, 1000, "50")]
    public void Split_ByDeviceCount_MakesEvenPartsWithinTheCap(int devices, int cap, string expectedCounts)
    {
        // Arrange
        var sizes = Enumerable.Repeat(100, devices).ToList();

        // Act
        var parts = PushwooshWire.Split(sizes, cap, 2_000_000);

        // Assert: the fewest parts within the cap, sizes differing by at most one (the larger first), in order
        Assert.Equal(expectedCounts.Split(',').Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)), parts.Select(p => p.Count));
        Assert.Equal(Enumerable.Range(0, devices), parts.SelectMany(p => Enumerable.Range(p.Start, p.Count)));
    }

    [Fact]
    public void Split_ByBytes_KeepsEveryPartUnderTheLimitAndNoneUnderFifty()
    {
        // Arrange: 1,030 devices of 2,000 bytes: 2 MB holds 999 of them, so a greedy split would leave a part of 31.
        var sizes = Enumerable.Repeat(2_000, 1_030).ToList();

        // Act
        var parts = PushwooshWire.Split(sizes, 10_000, 2_000_000);

        // Assert: two even halves, each 1,030,515 bytes
        Assert.Equal([(0, 515), (515, 515)], parts);
    }

    [Fact]
    public void Split_UnevenSizes_AddsPartsUntilEachFits()
    {
        // Arrange: the large devices sit together, so an even split by count overflows the first part.
        var sizes = Enumerable.Repeat(900, 100).Concat(Enumerable.Repeat(10, 100)).ToList();

        // Act
        var parts = PushwooshWire.Split(sizes, 10_000, 50_000);

        // Assert: two parts would be 90,100 bytes and three 60,367 for the first; four of 50 are 45,050 at most.
        Assert.Equal([(0, 50), (50, 50), (100, 50), (150, 50)], parts);
    }

    [Fact]
    public void Split_MoreThanTwoMegabytesOfRealDevices_StaysUnderTheBodyLimit()
    {
        // Arrange
        var devices = Enumerable.Range(0, 10_000)
            .Select(i => PushwooshWire.Device(new TagChange(i, new string('x', 200) + i + "@example.com", "append"), "Amplitude Cohorts", "Cohort"))
            .ToList();

        // Act
        var parts = PushwooshWire.Split(devices.Select(d => d.Length).ToList(), 10_000, PushwooshWire.MaxBodyBytes - PushwooshWire.EnvelopeAllowance);

        // Assert
        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(PushwooshWire.BulkSetTags("ABCDE-12345", new string('t', 64), devices, p.Start, p.Count).Length < PushwooshWire.MaxBodyBytes));
    }

    [Fact]
    public void ReadStatus_DetailedCompleted_ReadsStatusAndFailedDevices()
    {
        // Arrange
        const string json = """{"request_id":"r1","status":"Completed","devices":3,"processed":3,"failed":1,"errors":[{"user_id":"x@example.com","code":"user_not_found","message":"user not found"}]}""";

        // Act
        var status = PushwooshWire.ReadStatus(json)!;

        // Assert
        Assert.True(status.IsCompleted);
        Assert.False(status.IsFailed);
        Assert.Equal(new DeviceFailure("x@example.com", "user_not_found"), Assert.Single(status.Failures));
        Assert.Equal(1, status.Unsettled);
    }

    [Fact]
    public void ReadStatus_SkippedDevices_ReadsThemBesideTheErrorsAndCountsBoth()
    {
        // Arrange
        const string json = """{"status":"Completed","failed":1,"skipped":2,"errors":[{"user_id":"a","code":"user_not_found"}],"skipped_devices":[{"user_id":"b","code":"user_blocked"},{"user_id":"c","reason":"no_devices"}]}""";

        // Act
        var status = PushwooshWire.ReadStatus(json)!;

        // Assert
        Assert.Equal(
            [new DeviceFailure("a", "user_not_found"), new DeviceFailure("b", "user_blocked", Skipped: true), new DeviceFailure("c", "no_devices", Skipped: true)],
            status.Failures);
        Assert.Equal(3, status.Unsettled);
    }

    [Theory]
    [InlineData("""{"status":"Pending"}""", false, false)]
    [InlineData("""{"status":"Processing"}""", false, false)]
    [InlineData("""{"status":"Failed"}""", false, true)]
    [InlineData("""{"status":"done"}""", true, false)]
    public void ReadStatus_States_AreClassified(string json, bool completed, bool failed)
    {
        // Act
        var status = PushwooshWire.ReadStatus(json)!;

        // Assert
        Assert.Equal((completed, failed), (status.IsCompleted, status.IsFailed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"request_id":"r1"}""")]
    public void ReadStatus_NoStatus_ReturnsNull(string json)
    {
        // Act / Assert
        Assert.Null(PushwooshWire.ReadStatus(json));
    }

    [Fact]
    public void ReadEnvelopeAndTags_ListTagsAnswer_ReadsBoth()
    {
        // Arrange
        var json = Encoding.UTF8.GetString("""{"status_code":200,"status_message":"OK","response":{"tags":[{"name":"Language","type":2},{"name":"Amplitude Cohorts","type":3}]}}"""u8);

        // Act
        var envelope = PushwooshWire.ReadEnvelope(json);
        var tags = PushwooshWire.ReadTags(json);

        // Assert
        Assert.Equal(new Envelope(200, "OK"), envelope);
        Assert.Equal([new TagInfo("Language", 2), new TagInfo("Amplitude Cohorts", 3)], tags);
    }
}
