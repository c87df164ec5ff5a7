using System.Text;
using CohortSync.Core.Members;

namespace CohortSync.Core.Tests.Members;

public sealed class MemberFileReaderTests
{
    // Stands in for personal data: it must never appear in an exception.
    private const string Secret = "secret-9f3a@example.com";

    [Fact]
    public void ReadCsv_HeaderAndRows_YieldsOneRecordPerRowUnderTheHeaderSchema()
    {
        // Arrange
        const string Csv = "user_id,email\nu1,a@example.com\nu2,b@example.com\n";

        // Act
        var records = ReadCsv(Csv);

        // Assert
        Assert.Equal(2, records.Count);
        Assert.Equal(["user_id", "email"], records[0].Schema.Columns);
        Assert.Same(records[0].Schema, records[1].Schema);
        AssertValues(["u1", "a@example.com"], records[0]);
        AssertValues(["u2", "b@example.com"], records[1]);
        Assert.Equal([2L, 3L], records.Select(r => r.Line));
        Assert.Equal("b@example.com", records[1].Get("EMAIL"));
    }

    [Fact]
    public void ReadCsv_AmplitudeTabPrefixedHeaderAndValues_StripsTheTabs()
    {
        // Arrange: Amplitude prefixes every string with a tab, quoted or not.
        const string Csv = "\tuser_id,\"\temail\",\tamplitude_id\n\tuser_1,\"\ta@example.com\",\t123\n";

        // Act
        var record = Assert.Single(ReadCsv(Csv));

        // Assert
        Assert.Equal(["user_id", "email", "amplitude_id"], record.Schema.Columns);
        AssertValues(["user_1", "a@example.com", "123"], record);
        Assert.Equal("user_1", record.Get("user_id"));
    }

    [Fact]
    public void ReadCsv_QuotedValues_UnquotesSeparatorsEscapedQuotesAndLineBreaks()
    {
        // Arrange
        const string Csv = "user_id,name\n\"u,1\",\"say \"\"hi\"\"\"\n\"\"\"u2\"\"\",\"two\nlines\"\nu3,x\n";

        // Act
        var records = ReadCsv(Csv);

        // Assert
        AssertValues(["u,1", "say \"hi\""], records[0]);
        AssertValues(["u2", "two\nlines"], records[1]);
        AssertValues(["u3", "x"], records[2]);
        Assert.Equal([2L, 3L, 5L], records.Select(r => r.Line));
    }

    [Fact]
    public void ReadCsv_BlankLines_SkippedAndCountedInLineNumbers()
    {
        // Arrange
        const string Csv = "user_id\n\nu1\n\n\nu2\n\n";

        // Act
        var records = ReadCsv(Csv);

        // Assert
        Assert.Equal(["u1", "u2"], records.Select(r => r.Values[0]));
        Assert.Equal([3L, 6L], records.Select(r => r.Line));
    }

    [Fact]
    public void ReadCsv_CrLfLineEndings_ReadLikeLf()
    {
        // Arrange
        const string Csv = "user_id,email\r\nu1,a@example.com\r\n\r\nu2,b@example.com";

        // Act
        var records = ReadCsv(Csv);

        // Assert
        AssertValues(["u1", "a@example.com"], records[0]);
        AssertValues(["u2", "b@example.com"], records[1]);
        Assert.Equal([2L, 4L], records.Select(r => r.Line));
    }

    [Fact]
    public void ReadCsv_EmptyAndBlankFields_AreNull()
    {
        // Arrange
        const string Csv = "user_id,email,name\n,  ,\t\nu2,\"\",\" \"\n";

        // Act
        var records = ReadCsv(Csv);

        // Assert
        AssertValues([null, null, null], records[0]);
        AssertValues(["u2", null, null], records[1]);
    }

    [Fact]
    public void ReadCsv_RowWithTooManyFields_ThrowsNamingLineAndFirstExtraField()
    {
        // Arrange
        var csv = $"user_id,email\nu1,a@example.com\nu2,b@example.com,{Secret}\n";

        // Act
        var ex = ReadCsvFailure(csv);

        // Assert
        Assert.Equal(3, ex.Line);
        Assert.Equal(3, ex.Column);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadCsv_RowWithTooFewFields_ThrowsNamingLineAndFirstMissingField()
    {
        // Arrange
        var csv = $"user_id,email,name\nu1,a@example.com,n\n{Secret},b@example.com\n";

        // Act
        var ex = ReadCsvFailure(csv);

        // Assert
        Assert.Equal(3, ex.Line);
        Assert.Equal(3, ex.Column);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadCsv_UnterminatedQuote_ThrowsNamingLineFieldAndProblem()
    {
        // Arrange
        var csv = $"user_id,email\nu1,a@example.com\nu2,\"{Secret}\nu3,c@example.com\n";

        // Act
        var ex = ReadCsvFailure(csv);

        // Assert
        Assert.Equal(3, ex.Line);
        Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.Column);
        Assert.Contains("never closed", ex.Problem, StringComparison.Ordinal);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadCsv_StrayQuoteInUnquotedField_ThrowsNamingLineFieldAndProblem()
    {
        // Arrange
        var csv = $"user_id,email\nu1,a@example.com\nu2,{Secret[..6]}\"{Secret[6..]}\n";

        // Act
        var ex = ReadCsvFailure(csv);

        // Assert
        Assert.Equal(3, ex.Line);
        Assert.Equal(2, ex.Column);
        Assert.Contains("quote inside an unquoted field", ex.Problem, StringComparison.Ordinal);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadCsv_MalformedRow_ReturnsEarlierRowsThenThrows()
    {
        // Arrange
        const string Csv = "user_id\nu1\nu2\n\"u3\nu4\n";
        var seen = new List<string?>();

        // Act
        var ex = Record.Exception(() =>
        {
            foreach (var record in MemberFileReader.ReadCsv(new StringReader(Csv)))
            {
                seen.Add(record.Values[0]);
            }
        });

        // Assert
        Assert.IsType<MalformedSourceException>(ex);
        Assert.Equal(["u1", "u2"], seen);
    }

    [Fact]
    public void ReadCsv_EmptyFile_ThrowsNoHeaderRow()
    {
        // Arrange
        const string Csv = "";

        // Act
        var ex = ReadCsvFailure(Csv);

        // Assert
        Assert.Equal(1, ex.Line);
        Assert.Equal(1, ex.Column);
        Assert.Contains("no header", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user_id,email\n")]
    [InlineData("user_id,email")]
    [InlineData("user_id,email\r\n\r\n")]
    public void ReadCsv_HeaderOnly_YieldsNoRecords(string csv)
    {
        // Arrange: the file comes from the theory data.

        // Act
        var records = ReadCsv(csv);

        // Assert
        Assert.Empty(records);
    }

    [Fact]
    public void ReadCsv_EmptyColumnNameInHeader_ThrowsNamingTheColumn()
    {
        // Arrange
        const string Csv = "user_id,\t,email\nu1,x,a@example.com\n";

        // Act
        var ex = ReadCsvFailure(Csv);

        // Assert
        Assert.Equal(1, ex.Line);
        Assert.Equal(2, ex.Column);
    }

    [Fact]
    public void Read_CsvStreamWithByteOrderMark_HeaderHasNoMark()
    {
        // Arrange
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("user_id,email\nu1,a@example.com\n")).ToArray();

        // Act
        var record = Assert.Single(MemberFileReader.Read(new MemoryStream(bytes), MemberFileFormat.Csv));

        // Assert
        Assert.Equal("user_id", record.Schema.Columns[0]);
        Assert.Equal("u1", record.Get("user_id"));
    }

    [Fact]
    public void ReadJsonLines_Objects_ReadStringsNumbersBooleansAndNulls()
    {
        // Arrange
        const string Jsonl = "{\"user_id\":\"u1\",\"score\":1.5e3,\"count\":-7,\"pro\":true,\"trial\":false,\"email\":null}\n";

        // Act
        var record = Assert.Single(ReadJsonLines(Jsonl));

        // Assert
        Assert.Equal(["user_id", "score", "count", "pro", "trial", "email"], record.Schema.Columns);
        AssertValues(["u1", "1.5e3", "-7", "true", "false", null], record);
        Assert.Equal(1, record.Line);
    }

    [Fact]
    public void ReadJsonLines_PropertiesAppearingLater_ExtendTheSchema()
    {
        // Arrange
        const string Jsonl = "{\"user_id\":\"u1\"}\n{\"email\":\"b@example.com\",\"user_id\":\"u2\"}\n{\"user_id\":\"u3\"}\n";

        // Act
        var records = ReadJsonLines(Jsonl);

        // Assert
        Assert.Equal("u1", records[0].Get("user_id"));
        Assert.Null(records[0].Get("email"));
        Assert.Equal("u2", records[1].Get("user_id"));
        Assert.Equal("b@example.com", records[1].Get("email"));
        Assert.Equal("u3", records[2].Get("user_id"));
        Assert.Null(records[2].Get("email"));
        Assert.Equal(["user_id", "email"], records[2].Schema.Columns);
    }

    [Fact]
    public void ReadJsonLines_BlankLinesAndCrLf_SkippedAndCountedInLineNumbers()
    {
        // Arrange
        const string Jsonl = "\r\n{\"user_id\":\"u1\"}\r\n   \r\n{\"user_id\":\"u2\"}";

        // Act
        var records = ReadJsonLines(Jsonl);

        // Assert
        Assert.Equal(["u1", "u2"], records.Select(r => r.Get("user_id")));
        Assert.Equal([2L, 4L], records.Select(r => r.Line));
    }

    [Fact]
    public void ReadJsonLines_StringValues_CleanedLikeCsv()
    {
        // Arrange
        const string Jsonl = "{\"user_id\":\"\\tu1\",\"email\":\"  \",\"name\":\"\"}\n";

        // Act
        var record = Assert.Single(ReadJsonLines(Jsonl));

        // Assert
        AssertValues(["u1", null, null], record);
    }

    [Fact]
    public void ReadJsonLines_InvalidJson_ThrowsNamingLineAndColumn()
    {
        // Arrange: the value is not quoted; column 13 is where it starts.
        var jsonl = $"{{\"user_id\":\"u1\"}}\n{{\"user_id\": {Secret}}}\n";

        // Act
        var ex = ReadJsonLinesFailure(jsonl);

        // Assert
        Assert.Equal(2, ex.Line);
        Assert.Equal(13, ex.Column);
        Assert.Contains("line 2, column 13", ex.Message, StringComparison.Ordinal);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadJsonLines_UnclosedObject_ThrowsNamingTheLine()
    {
        // Arrange
        var jsonl = $"{{\"user_id\":\"u1\"}}\n\n{{\"user_id\":\"{Secret}\"\n";

        // Act
        var ex = ReadJsonLinesFailure(jsonl);

        // Assert
        Assert.Equal(3, ex.Line);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadJsonLines_InvalidJsonAfterNonAsciiText_ColumnCountsCharacters()
    {
        // Arrange: 'x' is the 13th character of the line (but its 17th UTF-8 byte).
        const string Jsonl = "{\"é\":\"ééé\", x}\n";

        // Act
        var ex = ReadJsonLinesFailure(Jsonl);

        // Assert
        Assert.Equal(1, ex.Line);
        Assert.Equal(13, ex.Column);
    }

    [Theory]
    [InlineData("[\"" + Secret + "\"]")]
    [InlineData("\"" + Secret + "\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void ReadJsonLines_LineThatIsNotAnObject_ThrowsExpectedAnObject(string line)
    {
        // Arrange
        var jsonl = "{\"user_id\":\"u1\"}\n" + line + "\n";

        // Act
        var ex = ReadJsonLinesFailure(jsonl);

        // Assert
        Assert.Equal(2, ex.Line);
        Assert.Equal(1, ex.Column);
        Assert.Contains("expected a JSON object", ex.Problem, StringComparison.Ordinal);
        AssertNoSecret(ex);
    }

    [Theory]
    [InlineData("{\"user_id\":{\"v\":\"" + Secret + "\"}}", 12)]
    [InlineData("{\"user_id\":[\"" + Secret + "\"]}", 12)]
    public void ReadJsonLines_NestedValue_ThrowsNamingLineAndColumn(string line, long column)
    {
        // Arrange
        var jsonl = line + "\n";

        // Act
        var ex = ReadJsonLinesFailure(jsonl);

        // Assert
        Assert.Equal(1, ex.Line);
        Assert.Equal(column, ex.Column);
        AssertNoSecret(ex);
    }

    [Fact]
    public void ReadJsonLines_TwoValuesOnALine_Throws()
    {
        // Arrange: the second object starts at column 18.
        var jsonl = $"{{\"user_id\":\"u1\"}} {{\"user_id\":\"{Secret}\"}}\n";

        // Act
        var ex = ReadJsonLinesFailure(jsonl);

        // Assert
        Assert.Equal(1, ex.Line);
        Assert.Equal(18, ex.Column);
        AssertNoSecret(ex);
    }

    [Fact]
    public void Read_JsonLinesStreamWithByteOrderMark_ReadsTheFirstLine()
    {
        // Arrange
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\"}\n")).ToArray();

        // Act
        var records = MemberFileReader.Read(new MemoryStream(bytes), MemberFileFormat.JsonLines).ToList();

        // Assert
        Assert.Equal(["u1", "u2"], records.Select(r => r.Get("user_id")));
    }

    [Theory]
    [InlineData("members.jsonl", MemberFileFormat.JsonLines)]
    [InlineData("/data/Members.NDJSON", MemberFileFormat.JsonLines)]
    [InlineData("members.csv", MemberFileFormat.Csv)]
    [InlineData("members.json", MemberFileFormat.Csv)]
    [InlineData("members", MemberFileFormat.Csv)]
    public void FormatOf_FileName_PicksFormatFromExtension(string path, MemberFileFormat expected)
    {
        // Arrange: the path comes from the theory data.

        // Act
        var format = MemberFileReader.FormatOf(path);

        // Assert
        Assert.Equal(expected, format);
    }

    [Fact]
    public void ReadCsv_TabBeforeAQuotedValue_ReadsTheQuotedValueWhole()
    {
        // Arrange: Amplitude prefixes every value with a tab, also one that needs quotes.
        const string csv = "\tuser_id,\tcompany\n\tu1,\t\"Acme, Inc.\"\n";

        // Act
        var record = Assert.Single(ReadCsv(csv));

        // Assert
        AssertValues(["u1", "Acme, Inc."], record);
    }

    private static void AssertValues(IEnumerable<string?> expected, MemberRecord record) =>
        Assert.Equal(expected, record.Values.AsEnumerable());

    private static List<MemberRecord> ReadCsv(string csv) => MemberFileReader.ReadCsv(new StringReader(csv)).ToList();

    private static List<MemberRecord> ReadJsonLines(string jsonl) => MemberFileReader.ReadJsonLines(new StringReader(jsonl)).ToList();

    private static MalformedSourceException ReadCsvFailure(string csv) =>
        Assert.Throws<MalformedSourceException>(() => ReadCsv(csv));

    private static MalformedSourceException ReadJsonLinesFailure(string jsonl) =>
        Assert.Throws<MalformedSourceException>(() => ReadJsonLines(jsonl));

    // The whole exception, inner exceptions included, is what ends up in logs.
    private static void AssertNoSecret(Exception ex)
    {
        Assert.DoesNotContain(Secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.OrdinalIgnoreCase);
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            Assert.DoesNotContain("secret", inner.Message, StringComparison.OrdinalIgnoreCase);
        }
    }
}
