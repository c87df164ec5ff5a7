using System.Net;
using System.Text.Json.Nodes;
using static CohortSync.Sandbox.Pushwoosh.PushwooshRules;

namespace CohortSync.Sandbox.Pushwoosh;

// The json/1.3 routes: the Device API's setTags (Device token in the header, hwid required) and the Tags API's addTag and
// listTags (Server token in the body). Argument errors answer HTTP 200 with status_code 210, as json/1.3 does.
public sealed partial class PushwooshSandbox
{
    private async Task SetTagsAsync(HttpContext context)
    {
        if (await AdmitAsync(context, SetTagsRoute) is not { } body)
        {
            return;
        }

        var request = (Parse(body) as JsonObject)?["request"] as JsonObject;
        var application = String(request?["application"]);
        var token = DeviceToken(context.Request);
        if (!await AuthorizeAsync(context, CheckDevice(token, application)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        if (request is null || application is null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "request.application is required");
            return;
        }

        // The documented body names the device by hwid (required); userId alone is refused, as Pushwoosh's API does.
        var hwid = String(request["hwid"]);
        if (string.IsNullOrEmpty(hwid))
        {
            Interlocked.Increment(ref _setTagsWithoutHwid);
            await EnvelopeAsync(context, HttpStatusCode.BadRequest, 400, "hwid is required");
            return;
        }

        var (tags, error) = ReadSetTags(request["tags"], _store);
        if (error is not null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, error);
            return;
        }

        // Accepted means queued: the change lands later, and an unknown device is skipped then, never reported.
        Enqueue(new SetTagsWork(_time.GetUtcNow() + ProcessingDelay, application, new DeviceOperation("hwid", hwid, tags!)));
        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK");
    }

    private async Task AddTagAsync(HttpContext context)
    {
        if (await AdmitAsync(context, AddTagRoute) is not { } body)
        {
            return;
        }

        var request = (Parse(body) as JsonObject)?["request"] as JsonObject;
        var token = String(request?["auth"]);
        if (!await AuthorizeAsync(context, CheckServer(token, null)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        var tag = request?["tag"] as JsonObject;
        var name = String(tag?["name"]);
        var type = tag?["type"] is JsonValue t && t.TryGetValue(out int n) ? n : 0;
        if (name is null || type is < 1 or > 7)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "tag.name and a tag.type from 1 to 7 are required");
            return;
        }

        if (!_store.TryAddTag(name, type, tag!["application_specific"] is JsonValue a && a.TryGetValue(out bool specific) && specific))
        {
            name = null;
        }

        if (name is null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "tag already exists");
            return;
        }

        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK", new JsonObject { ["result"] = true });
    }

    private async Task ListTagsAsync(HttpContext context)
    {
        if (await AdmitAsync(context, ListTagsRoute) is not { } body)
        {
            return;
        }

        var token = String(((Parse(body) as JsonObject)?["request"] as JsonObject)?["auth"]);
        if (!await AuthorizeAsync(context, CheckServer(token, null)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        var tags = new JsonArray();
        foreach (var tag in _store.Tags())
        {
            tags.Add(new JsonObject { ["name"] = tag.Name, ["type"] = tag.Type, ["isApplicationSpecific"] = tag.ApplicationSpecific });
        }

        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK", new JsonObject { ["tags"] = tags });
    }
}
