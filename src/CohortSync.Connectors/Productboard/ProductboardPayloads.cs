using System.Text.Json;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Request bodies of the Productboard v1 Companies &amp; Users API. Every body is wrapped in <c>{"data":{...}}</c>, the shape
/// public clients send (the official schema of <c>POST /users</c> is not published; see the README).
/// </summary>
public static class ProductboardPayloads
{
    /// <summary>
    /// Adds a member: <c>{"data":{"externalId","email"?,"company":{"id"}}}</c>. Productboard merges on the external id (and
    /// on the email), so sending it again changes nothing.
    /// </summary>
    public static byte[] LinkUser(ProductboardMember member, string companyId)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentException.ThrowIfNullOrEmpty(companyId);
        return Data(writer =>
        {
            writer.WriteString("externalId", member.MergeKey);
            if (member.Email is not null)
            {
                writer.WriteString("email", member.Email);
            }

            writer.WriteStartObject("company");
            writer.WriteString("id", companyId);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Finds a member's user without changing it: <c>{"data":{"externalId"}}</c>. Only the external id is sent, so the call
    /// cannot conflict on an email; it creates a bare user when none has that external id.
    /// </summary>
    public static byte[] FindUser(string mergeKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(mergeKey);
        return Data(writer => writer.WriteString("externalId", mergeKey));
    }

    /// <summary>Removes a user's company link: <c>{"data":{"company":null}}</c>.</summary>
    public static byte[] UnlinkCompany() => Data(writer => writer.WriteNull("company"));

    /// <summary>Creates the cohort's company: <c>{"data":{"name","externalId","description"}}</c>.</summary>
    public static byte[] CreateCompany(string name, string externalId)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        return Data(writer =>
        {
            writer.WriteString("name", name);
            writer.WriteString("externalId", externalId);
            writer.WriteString("description", "Members of an Amplitude cohort, kept in step by CohortSync. Users linked here are the cohort.");
        });
    }

    /// <summary>Renames the cohort's company: <c>{"data":{"name"}}</c>.</summary>
    public static byte[] RenameCompany(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Data(writer => writer.WriteString("name", name));
    }

    private static byte[] Data(Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("data");
            fields(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
