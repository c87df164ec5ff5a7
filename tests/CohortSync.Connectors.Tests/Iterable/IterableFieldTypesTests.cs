using System.Text.Encodings.Web;
using System.Text.Json;
using CohortSync.Connectors.Iterable;

namespace CohortSync.Connectors.Tests.Iterable;

public sealed class IterableFieldTypesTests
{
    // As on the wire: '+' written as itself, not as \u002B.
    private static readonly JsonSerializerOptions Wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [InlineData("12", "12")]
    [InlineData("-7", "-7")]
    [InlineData("0.5", "0.5")]
    [InlineData("0", "0")]
    [InlineData("02139", "\"02139\"")]
    [InlineData("12345678901234567890", "\"12345678901234567890\"")]
    [InlineData("1e3", "\"1e3\"")]
    [InlineData("1,000", "\"1,000\"")]
    [InlineData("true", "true")]
    [InlineData("FALSE", "false")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("2025-01-31", "\"2025-01-31 00:00:00 +00:00\"")]
    [InlineData("2025-01-31T23:30:00Z", "\"2025-01-31 23:30:00 +00:00\"")]
    [InlineData("2025-01-31T23:30:00.123-05:00", "\"2025-02-01 04:30:00 +00:00\"")]
    [InlineData("2025-01-31 10:00:00 +00:00", "\"2025-01-31 10:00:00 +00:00\"")]
    [InlineData("2025-02-30", "\"2025-02-30\"")]
    [InlineData("01/31/2025", "\"01/31/2025\"")]
    [InlineData("", "\"\"")]
    public void TryConvert_UndeclaredField_InfersTheTypeFromTheValue(string value, string expectedJson)
    {
        // Act
        var ok = IterableFieldTypes.None.TryConvert("f", value, out var node, out var reason);

        // Assert
        Assert.True(ok);
        Assert.Null(reason);
        Assert.Equal(expectedJson, node!.ToJsonString(Wire));
    }

    [Theory]
    [InlineData("f:string", "12", "\"12\"")]
    [InlineData("f:string", "true", "\"true\"")]
    [InlineData("f:number", "007", "7")]
    [InlineData("f:number", "2.50", "2.50")]
    [InlineData("f:boolean", "True", "true")]
    [InlineData("f:date", "2025-06-01T00:00:00+01:00", "\"2025-05-31 23:00:00 +00:00\"")]
    public void TryConvert_DeclaredField_SendsTheDeclaredType(string setting, string value, string expectedJson)
    {
        // Act
        var ok = IterableFieldTypes.Parse(setting).TryConvert("f", value, out var node, out _);

        // Assert
        Assert.True(ok);
        Assert.Equal(expectedJson, node!.ToJsonString(Wire));
    }

    [Theory]
    [InlineData("f:number", "many", "carried field 'f' is not a number")]
    [InlineData("f:boolean", "1", "carried field 'f' is not a boolean")]
    [InlineData("f:date", "next week", "carried field 'f' is not a date")]
    public void TryConvert_DeclaredTypeTheValueDoesNotFit_ReasonNamesTheFieldNotTheValue(string setting, string value, string expected)
    {
        // Act
        var ok = IterableFieldTypes.Parse(setting).TryConvert("f", value, out _, out var reason);

        // Assert
        Assert.False(ok);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryConvert_EmptyValueOfADeclaredNonStringField_IsLeftOut()
    {
        // Act
        var ok = IterableFieldTypes.Parse("f:number").TryConvert("f", string.Empty, out var node, out _);

        // Assert
        Assert.True(ok);
        Assert.Null(node);
    }
}
