using System.Text.Json;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Request bodies of the Productboard v1 Companies &amp; Users API. Every body is wrapped in <c>{"data":{...}}</c>, the shape
/// public clients send for <c>PATCH</c> (the request schemas of the user endpoints are not published; see the README).
/// </summary>
public static class ProductboardPayloads
{
    /// <summary>
    /// Creates a member's user (<c>POST /users</c>, create only): <c>{"data":{"externalId","email"?,"company":{"id"}}}</c>.
    /// The external id is the merge key (the carried external id, else the user id).
    /// </summary>
    public static byte[] CreateUser(ProductboardMember member, string companyId)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentException.ThrowIfNullOrEmpty(companyId);
        return Data(writer =>
        {
            writer.WriteString("externalId", member.MergeKey);
            WriteEmailAndCompany(writer, member, companyId);
        });
    }

    /// <summary>
    /// Updates a found user (<c>PATCH /users/{id}</c>): <c>{"data":{"email"?,"company":{"id"}}}</c>. The external id is how
    /// the user was found, so it is not sent; a changed email is.
    /// </summary>
    public static byte[] UpdateUser(ProductboardMember member, string companyId)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentException.ThrowIfNullOrEmpty(companyId);
        return Data(writer => WriteEmailAndCompany(writer, member, companyId));
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

    private static void WriteEmailAndCompany(Utf8JsonWriter writer, ProductboardMember member, string companyId)
    {
        if (member.Email is not null)
        {
            writer.WriteString("email", member.Email);
        }

        writer.WriteStartObject("company");
        writer.WriteString("id", companyId);
        writer.WriteEndObject();
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
