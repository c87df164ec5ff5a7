using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;

namespace CohortSync.Core.Tests.Definitions;

/// <summary><see cref="DefinitionValidator"/>: each bad field is named with a message that says what is wanted.</summary>
public sealed class DefinitionValidatorTests
{
    private static readonly string[] KnownTypes = ["webhook", "braze"];

    [Fact]
    public void ValidateDestination_GoodDefinition_Passes()
    {
        // Act
        var error = Record.Exception(() => DefinitionValidator.Validate(Destination() with { Type = "Braze", SecretName = "braze-key-1" }, KnownTypes));

        // Assert
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("under_score")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")] // 64 characters
    public void ValidateDestination_BadId_NamesTheId(string id)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { Id = id }, KnownTypes));

        // Assert
        AssertOnly(error, "id", "must be 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void ValidateDestination_BlankName_NamesTheName(string name)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { Name = name }, KnownTypes));

        // Assert
        AssertOnly(error, "name", "must be 1 to 200 characters");
    }

    [Fact]
    public void ValidateDestination_NameOf201Characters_NamesTheName()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { Name = new string('n', 201) }, KnownTypes));

        // Assert
        AssertOnly(error, "name", "must be 1 to 200 characters");
    }

    [Fact]
    public void ValidateDestination_UnknownType_NamesTheTypeAndListsTheKnownOnes()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { Type = "fax" }, KnownTypes));

        // Assert
        AssertOnly(error, "type", "unknown destination type; known types: braze, webhook");
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("under_score")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678")] // 128
    public void ValidateDestination_BadSecretName_NamesTheSecretName(string secretName)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { SecretName = secretName }, KnownTypes));

        // Assert
        AssertOnly(error, "secretName", "must be 1 to 127 letters, digits and dashes (a Key Vault secret name)");
    }

    [Theory]
    [InlineData("cohortsync-storage")]
    [InlineData("CohortSync-Storage")]
    public void ValidateDestination_ReservedSecretName_SaysTheNameIsReserved(string secretName)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { SecretName = secretName }, KnownTypes));

        // Assert
        AssertOnly(error, "secretName", "names starting with 'cohortsync-' are reserved for CohortSync's own secrets");
    }

    [Fact]
    public void ValidateDestination_SeveralBadFields_NamesEachOfThem()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Destination() with { Id = "Bad", Name = "", Type = "fax" }, KnownTypes));

        // Assert
        Assert.Equal(["id", "name", "type"], error.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("id: must be 1 to 63", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSync_GoodDefinition_Passes()
    {
        // Arrange: every optional part set to a good value.
        var sync = Sync() with
        {
            Cadence = "cron:0 */5 * * * *",
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("anon", KeyKind.Alias, "amplitude")],
            Carry = [new CarriedField("plan", "plan")],
            BatchSize = 10_000,
            Guardrail = new GuardrailSettings(MaxRemovalFraction: 1, MinBaseline: 0),
        };

        // Act
        var error = Record.Exception(() => DefinitionValidator.Validate(sync));

        // Assert
        Assert.Null(error);
    }

    [Fact]
    public void ValidateSync_BadId_NamesTheId()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Id = "Orders Sync" }));

        // Assert
        AssertOnly(error, "id", "must be 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit");
    }

    [Fact]
    public void ValidateSync_BlankName_NamesTheName()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Name = " " }));

        // Assert
        AssertOnly(error, "name", "must be 1 to 200 characters");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Hook")]
    public void ValidateSync_BadDestinationId_NamesTheDestinationId(string destinationId)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { DestinationId = destinationId }));

        // Assert
        AssertOnly(error, "destinationId", "must name a destination");
    }

    [Theory]
    [InlineData("", "cohort.csv")]
    [InlineData("file", " ")]
    public void ValidateSync_SourceWithoutTypeOrLocation_NamesTheSource(string type, string location)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Source = new SourceDefinition(type, location) }));

        // Assert
        AssertOnly(error, "source", "needs a type and a location");
    }

    [Fact]
    public void ValidateSync_NoSource_NamesTheSource()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Source = null! }));

        // Assert
        AssertOnly(error, "source", "needs a type and a location");
    }

    [Theory]
    [InlineData("weekly", "unknown cadence 'weekly'")]
    [InlineData("cron:0 * * * *", "cron expression '0 * * * *' must have 6 fields")]
    [InlineData("cron:0 99 * * * *", "cron expression '0 99 * * * *' is not valid")]
    public void ValidateSync_BadCadence_NamesTheCadenceAndWhatIsWrong(string cadence, string expected)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Cadence = cadence }));

        // Assert
        var (field, messages) = Assert.Single(error.Errors);
        Assert.Equal("cadence", field);
        Assert.StartsWith(expected, Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateSync_NoIdentifiers_NamesTheIdentifiers()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Identifiers = [] }));

        // Assert
        AssertOnly(error, "identifiers", "needs at least one mapping from a source field to a key kind");
    }

    [Fact]
    public void ValidateSync_MappingWithoutSourceField_NamesTheIdentifiers()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Identifiers = [new IdentifierMapping(" ", KeyKind.Email)] }));

        // Assert
        AssertOnly(error, "identifiers", "every mapping needs a source field and a known kind (UserId, Email, DeviceId, Alias, ExternalId)");
    }

    [Fact]
    public void ValidateSync_MappingOfAnUnknownKind_NamesTheIdentifiers()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Identifiers = [new IdentifierMapping("user_id", (KeyKind)99)] }));

        // Assert
        AssertOnly(error, "identifiers", "every mapping needs a source field and a known kind (UserId, Email, DeviceId, Alias, ExternalId)");
    }

    [Fact]
    public void ValidateSync_AliasWithoutLabel_NamesTheIdentifiers()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Identifiers = [new IdentifierMapping("anon", KeyKind.Alias)] }));

        // Assert
        AssertOnly(error, "identifiers", "an Alias mapping needs a label");
    }

    [Theory]
    [InlineData("", "plan")]
    [InlineData("plan", " ")]
    public void ValidateSync_CarriedFieldWithoutSourceOrName_NamesTheCarry(string sourceField, string name)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Carry = [new CarriedField(sourceField, name)] }));

        // Assert
        AssertOnly(error, "carry", "every carried field needs a source field and a name");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void ValidateSync_BatchSizeOutOfRange_NamesTheBatchSize(int batchSize)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { BatchSize = batchSize }));

        // Assert
        AssertOnly(error, "batchSize", "must be between 1 and 10,000");
    }

    [Theory]
    [InlineData(-0.1, 1000)]
    [InlineData(1.1, 1000)]
    [InlineData(0.2, -1)]
    public void ValidateSync_GuardrailOutOfRange_NamesTheGuardrail(double maxRemovalFraction, int minBaseline)
    {
        // Act
        var error = Assert.Throws<ValidationException>(() =>
            DefinitionValidator.Validate(Sync() with { Guardrail = new GuardrailSettings(MaxRemovalFraction: maxRemovalFraction, MinBaseline: minBaseline) }));

        // Assert
        AssertOnly(error, "guardrail", "maxRemovalFraction must be between 0 and 1 and minBaseline at least 0");
    }

    [Fact]
    public void ValidateSync_NoGuardrail_NamesTheGuardrail()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync() with { Guardrail = null! }));

        // Assert
        AssertOnly(error, "guardrail", "maxRemovalFraction must be between 0 and 1 and minBaseline at least 0");
    }

    [Fact]
    public void ValidateSync_SeveralBadFields_NamesEachOfThem()
    {
        // Act
        var error = Assert.Throws<ValidationException>(() =>
            DefinitionValidator.Validate(Sync() with { Id = "", Cadence = "weekly", Identifiers = [], BatchSize = 0 }));

        // Assert
        Assert.Equal(["batchSize", "cadence", "id", "identifiers"], error.Errors.Keys.Order(StringComparer.Ordinal));
    }

    private static void AssertOnly(ValidationException error, string field, string message)
    {
        var (name, messages) = Assert.Single(error.Errors);
        Assert.Equal(field, name);
        Assert.Equal([message], messages);
    }

    private static DestinationDefinition Destination() => new() { Id = "hook-1", Name = "Hook", Type = "webhook" };

    private static SyncDefinition Sync() => new()
    {
        Id = "orders",
        Name = "Orders",
        DestinationId = "hook-1",
        Source = new SourceDefinition("file", "/data/cohort.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };
}
