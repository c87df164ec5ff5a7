using CohortSync.Core.Members;

namespace CohortSync.Core.Tests.Members;

public sealed class ValueCleanerTests
{
    [Theory]
    [InlineData("user_1", "user_1")]
    [InlineData("\tuser_1", "user_1")]
    [InlineData("\"user_1\"", "user_1")]
    [InlineData("\t\"user_1\"", "user_1")]
    [InlineData("\"\tuser_1\"", "user_1")]
    [InlineData("  user_1  ", "user_1")]
    [InlineData("\" user 1 \"", "user 1")]
    [InlineData("a\tb", "a\tb")]
    [InlineData("\"a\"b\"", "a\"b")]
    [InlineData("\"", "\"")]
    [InlineData("\"unbalanced", "\"unbalanced")]
    [InlineData("\"\"\"x\"\"\"", "\"\"x\"\"")]
    [InlineData("José 🙂", "José 🙂")]
    public void Clean_RawValue_StripsTabQuotesAndWhitespace(string raw, string expected)
    {
        // Arrange: the raw value comes from the theory data.

        // Act
        var cleaned = ValueCleaner.Clean(raw);

        // Assert
        Assert.Equal(expected, cleaned);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("\t\t")]
    [InlineData("\"\"")]
    [InlineData("\t\"\"")]
    [InlineData("\"\t\"")]
    [InlineData("\" \"")]
    [InlineData(" \r\n ")]
    public void Clean_EmptyOrBlank_ReturnsNull(string? raw)
    {
        // Arrange: the raw value comes from the theory data.

        // Act
        var cleaned = ValueCleaner.Clean(raw);

        // Assert
        Assert.Null(cleaned);
    }

    [Fact]
    public void Clean_AlreadyClean_ReturnsTheSameInstance()
    {
        // Arrange: clean values are the common case and must not allocate.
        var raw = new string("user_1".ToCharArray());

        // Act
        var cleaned = ValueCleaner.Clean(raw);

        // Assert
        Assert.Same(raw, cleaned);
    }
}
