using System.Text.Json;
using System.Text.Json.Nodes;
using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;

namespace CohortSync.Api;

/// <summary>
/// The OpenAPI 3.0 description of the API, built from the same route table both hosts map. Written by hand rather than
/// generated, since the Functions host cannot run ASP.NET Core's generator and both hosts must describe one API.
/// </summary>
public static class OpenApiDocument
{
    /// <summary>Every route: method, path, operation id, summary, whether it takes a body (and which schema).</summary>
    public static IReadOnlyList<(string Method, string Path, string OperationId, string Summary, string? Body)> Routes { get; } =
    [
        ("get", "/api/destinations", "ListDestinations", "List destinations (never with secrets).", null),
        ("post", "/api/destinations", "CreateDestination", "Create a destination; an optional `secret` is written to the secret store under `secretName`.", "Destination"),
        ("get", "/api/destinations/{id}", "GetDestination", "Read a destination (ETag header).", null),
        ("put", "/api/destinations/{id}", "ReplaceDestination", "Replace a destination (If-Match optional).", "Destination"),
        ("delete", "/api/destinations/{id}", "DeleteDestination", "Delete a destination no sync uses.", null),
        ("get", "/api/syncs", "ListSyncs", "List syncs.", null),
        ("post", "/api/syncs", "CreateSync", "Create a sync; the answer carries warnings (for example a cadence that could exceed Amplitude's quota).", "Sync"),
        ("get", "/api/syncs/{id}", "GetSync", "Read a sync (ETag header).", null),
        ("put", "/api/syncs/{id}", "ReplaceSync", "Replace a sync (If-Match optional).", "Sync"),
        ("delete", "/api/syncs/{id}", "DeleteSync", "Delete a sync with no run under way.", null),
        ("post", "/api/syncs/{id}/runs", "StartRun", "Start a run (query mode=incremental|full|dryrun): 202 with Location and {runId, started, status, statusUri} (in Azure also management: the Durable management URLs); 200 with the run under way if there is one.", null),
        ("get", "/api/syncs/{id}/runs", "ListRuns", "A sync's runs, newest first (query max, default 50).", null),
        ("get", "/api/syncs/{id}/status", "GetSyncStatus", "A sync's state: the run under way, the last run and how it ended, the last scheduled slot, and the scheduler's last check that found the source unchanged (and so started no run).", null),
        ("get", "/api/syncs/{id}/explain", "ExplainMember", "Explain a member: query userId, email, deviceId, externalId, alias+label, or key.", null),
        ("get", "/api/runs/{runId}", "GetRun", "A run's status, plan, outcome and progress.", null),
        ("post", "/api/runs/{runId}/approve", "ApproveRun", "Approve a run held by the removal guardrail (body {\"by\"} optional).", "Decision"),
        ("post", "/api/runs/{runId}/reject", "RejectRun", "Reject a run held by the removal guardrail (body {\"by\"} optional).", "Decision"),
        ("get", "/api/overview", "GetOverview", "Every sync with its destination, cadence, last run, next due slot and baseline size (the status page's list).", null),
        ("get", "/api/openapi.json", "OpenApi", "This document.", null),
        ("post", "/api/sources/{sourceId}/amplitude-webhook", "ReceiveCohortWebhook", "Receive an Amplitude cohort webhook for the `amplitude-webhook` source `sourceId`: authenticated by the source's shared secret in the `X-CohortSync-Secret` header (not the function key); stored at once and applied by the sync's next run. 200 with `{duplicate, users, skipped}` (a duplicate message id changes nothing); 401 for a missing or wrong secret, 413 for a body over 4 MiB, 400 naming the bad field; nothing is stored on any of them.", "CohortWebhook"),
    ];

    /// <summary>The schema of what a route answers with 200, by operation id, for the routes that answer with a run or its status.</summary>
    public static IReadOnlyDictionary<string, string> Responses { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ListRuns"] = "Run[]",
        ["GetSyncStatus"] = "SyncStatus",
        ["GetOverview"] = "SyncOverview[]",
        ["GetRun"] = "RunView",
        ["ApproveRun"] = "Run",
        ["RejectRun"] = "Run",
    };

    /// <summary>The document as JSON.</summary>
    public static string Json { get; } = Build();

    private static string Build()
    {
        var paths = new JsonObject();
        foreach (var (method, path, operationId, summary, body) in Routes)
        {
            var operation = new JsonObject
            {
                ["operationId"] = operationId,
                ["summary"] = summary,
                ["parameters"] = new JsonArray(path.Split('/').Where(p => p.StartsWith('{')).Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p.Trim('{', '}'),
                    ["in"] = "path",
                    ["required"] = true,
                    ["schema"] = new JsonObject { ["type"] = "string" },
                }).ToArray()),
                ["responses"] = new JsonObject
                {
                    ["200"] = Responses.TryGetValue(operationId, out var answer) ? Answer(answer) : new JsonObject { ["description"] = "OK" },
                    ["400"] = Problem("Invalid input: a problem-details body names each bad field; nothing was stored."),
                    ["401"] = new JsonObject { ["description"] = "Missing or wrong function key." },
                    ["404"] = Problem("Unknown id."),
                    ["409"] = Problem("Conflict: it exists, changed since read, or is in use."),
                },
            };
            if (body is not null)
            {
                operation["requestBody"] = new JsonObject
                {
                    ["required"] = body != "Decision",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + body } } },
                };
            }

            if (operationId == "ReceiveCohortWebhook")
            {
                var responses = (JsonObject)operation["responses"]!;
                responses["200"] = Answer("WebhookReceipt");
                responses["401"] = Problem("Missing or wrong shared secret (X-CohortSync-Secret); nothing was stored.");
                responses["413"] = Problem("The body is larger than 4 MiB; nothing was stored.");
                responses.Remove("409");
                responses.Remove("404");
                operation["security"] = new JsonArray(new JsonObject { ["cohortWebhookSecret"] = new JsonArray() });
            }

            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = new JsonObject();
            }

            item[method] = operation;
        }

        var document = new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "CohortSync", ["version"] = "1.0", ["description"] = "Keeps destination audiences in step with behavioral cohorts." },
            ["security"] = new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                    ["cohortWebhookSecret"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "X-CohortSync-Secret", ["description"] = "The secret named by the source's secretName, set as an extra header in Amplitude's webhook destination." },
                },
                ["schemas"] = new JsonObject
                {
                    ["Destination"] = Schema(["id", "name", "type"], ("id", "string"), ("name", "string"), ("type", "string"), ("settings", "object"), ("secretName", "string"), ("secret", "string")),
                    ["Sync"] = WithItems("notifications", "NotificationTarget", Schema(["id", "name", "destinationId", "source", "identifiers"], ("id", "string"), ("name", "string"), ("destinationId", "string"), ("source", "object"), ("cadence", "string"), ("identifiers", "array"), ("carry", "array"), ("guardrail", "object"), ("batchSize", "integer"), ("enabled", "boolean"), ("notifications", "array"))),
                    ["NotificationTarget"] = NotificationTargetSchema(),
                    ["NotificationRecord"] = NotificationRecordSchema(),
                    ["Decision"] = Schema([], ("by", "string")),
                    ["CohortWebhook"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["description"] = "Amplitude's cohort webhook payload (its default template). Other fields (user_properties) are accepted and not read; users without a user_id are skipped.",
                        ["required"] = new JsonArray("message_id", "cohort_id", "in_cohort", "computed_time", "users"),
                        ["properties"] = new JsonObject
                        {
                            ["cohort_name"] = Type("string"),
                            ["cohort_id"] = Type("string"),
                            ["in_cohort"] = Type("boolean", "true: the users entered the cohort; false: they left it."),
                            ["computed_time"] = Type("string", "The computation's time, whole seconds since the epoch (a number is accepted too); later computations win."),
                            ["message_id"] = Type("string", "The same on a retry: a message id stored before is a duplicate."),
                            ["users"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["user_id"] = Type("string") } } },
                        },
                    },
                    ["WebhookReceipt"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["duplicate"] = Type("boolean", "True when the message id was stored before: nothing changed."),
                            ["users"] = Type("integer", "Users in the message."),
                            ["skipped"] = Type("integer", "Users without a user_id, not stored."),
                        },
                    },
                    ["RunStatus"] = RunStatusSchema(),
                    ["Run"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["description"] = "A run: its plan, progress and outcome (counts only, never members).",
                        ["properties"] = new JsonObject
                        {
                            ["runId"] = Type("string"),
                            ["syncId"] = Type("string"),
                            ["trigger"] = Type("string", "schedule or manual."),
                            ["mode"] = new JsonObject { ["type"] = "string", ["enum"] = Names<RunMode>() },
                            ["status"] = Ref("RunStatus"),
                            ["createdAt"] = Type("string", format: "date-time"),
                            ["updatedAt"] = Type("string", format: "date-time"),
                            ["finishedAt"] = Type("string", format: "date-time"),
                            ["plan"] = Type("object", "What Prepare found: members, duplicates, unmatched, invalid, skipReasons, baseline, adds, removes, updates, batchCount, guarded, notes."),
                            ["outcome"] = Ref("RunOutcome"),
                            ["error"] = Type("string", "Why the run failed, or which batches failed (never a secret or a member)."),
                            ["decision"] = Type("object", "The approval decision of a guarded run: approved, by, at."),
                            ["notify"] = Type("boolean", "True when the run had notification targets (its sync's or the configured defaults) when it started."),
                            ["notifications"] = new JsonObject
                            {
                                ["type"] = "array",
                                ["items"] = Ref("NotificationRecord"),
                                ["description"] = "The run's notifications and how each delivery went; one that could not be delivered is recorded here and changes nothing else.",
                            },
                        },
                    },
                    ["RunOutcome"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["description"] = "What Commit counted; the run's status follows from it.",
                        ["properties"] = new JsonObject
                        {
                            ["accepted"] = Type("integer", "Changes the destination accepted (now in the baseline)."),
                            ["rejected"] = Type("integer", "Changes the destination refused: the members stay out of the baseline."),
                            ["rejectReasons"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Type("integer"), ["description"] = "Rejections by reason." },
                            ["failed"] = Type("integer", "Changes of batches that failed after retries for which the destination gave no answer: pending for the next run."),
                            ["failedBatches"] = Type("integer", "Batches that failed after retries."),
                            ["baselineAfter"] = Type("integer", "Members the destination holds after the run, as far as CohortSync knows: every change for them settled."),
                            ["skipped"] = Type("integer", "Changes the destination settled without applying, for good (a user Iterable has forgotten under GDPR): kept in the baseline so they are not sent again; not a rejection."),
                            ["skippedReasons"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Type("integer"), ["description"] = "Skipped changes by reason." },
                            ["dataPoints"] = Type("integer", "Units the vendor bills that the run asked it to write (Braze's data points, one per attribute written; ids Braze ignores are not billed); absent for a vendor that bills none."),
                            ["uncertainAfter"] = Type("integer", "Members whose delivery is uncertain after the run (a change for them did not settle): the next run sends each again, as an add while it is in the cohort and as a remove once it is not."),
                        },
                    },
                    ["RunView"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["run"] = Ref("Run"),
                            ["batchesSettled"] = Type("integer", "Batches sent and answered so far."),
                            ["batchCount"] = Type("integer", "Batches in the plan."),
                        },
                    },
                    ["SyncOverview"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["description"] = "A sync in brief, as the status page lists it.",
                        ["properties"] = new JsonObject
                        {
                            ["syncId"] = Type("string"),
                            ["name"] = Type("string"),
                            ["enabled"] = Type("boolean"),
                            ["cadence"] = Type("string", "manual, once, minute, hourly, daily or cron:<6 fields>."),
                            ["destinationId"] = Type("string"),
                            ["destinationName"] = Type("string", "Absent when the destination no longer exists."),
                            ["destinationType"] = Type("string"),
                            ["activeRunId"] = Type("string", "The run under way, if any."),
                            ["activeRunStatus"] = Ref("RunStatus"),
                            ["lastRun"] = new JsonObject
                            {
                                ["type"] = "object",
                                ["description"] = "The last run to finish.",
                                ["properties"] = new JsonObject
                                {
                                    ["runId"] = Type("string"),
                                    ["status"] = Ref("RunStatus"),
                                    ["mode"] = new JsonObject { ["type"] = "string", ["enum"] = Names<RunMode>() },
                                    ["finishedAt"] = Type("string", format: "date-time"),
                                },
                            },
                            ["nextDue"] = Type("string", "The next schedule slot (one already due if the scheduler has not started it yet); absent for a manual or spent once cadence, or a disabled sync.", "date-time"),
                            ["baselineSize"] = Type("integer", "Members in the baseline; absent before the first run."),
                        },
                    },
                    ["SyncStatus"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["syncId"] = Type("string"),
                            ["activeRunId"] = Type("string", "The run under way, if any."),
                            ["lastRunId"] = Type("string", "The last run to finish."),
                            ["lastRunStatus"] = Ref("RunStatus"),
                            ["lastScheduledSlot"] = Type("string", format: "date-time"),
                            ["lastCheck"] = Type("object", "The scheduler's last check that found the source unchanged and so started no run: at, slot, note."),
                            ["containerId"] = Type("string", "The destination's container (cohort, list, tag, company), once created."),
                        },
                    },
                },
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    // An array property's items, as a reference to a schema.
    private static JsonObject WithItems(string property, string items, JsonObject schema)
    {
        ((JsonObject)schema["properties"]![property]!)["items"] = Ref(items);
        return schema;
    }

    /// <summary>A sync's notification target (the items of <c>Sync.notifications</c>).</summary>
    private static JsonObject NotificationTargetSchema()
    {
        var schema = Schema(["type"], ("type", "string"), ("url", "string"), ("secretName", "string"), ("events", "array"));
        schema["description"] = "Where a run's notifications go. webhook: url and secretName (the key the JSON body is signed with: "
            + "X-CohortSync-Signature: sha256=<hex HMAC-SHA256 of '{X-CohortSync-Timestamp}.{body}'>, Idempotency-Key: {runId}/{event}). "
            + "slack, teams: {\"text\": ...} to the url, or to the URL held in the secret secretName names. "
            + "Never a secret, an email or a user id in a notification: counts, sync, destination, run id, status, the first few reasons.";
        var properties = (JsonObject)schema["properties"]!;
        properties["type"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(NotificationValidator.Types.Select(t => (JsonNode)t).ToArray()) };
        properties["events"] = new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(NotificationEvents.All.Select(e => (JsonNode)e).ToArray()) },
            ["description"] = "The events to send; omitted, all of them. awaitingApproval: held by the removal guardrail; the others as the run's status.",
        };
        return schema;
    }

    /// <summary>One notification of a run as recorded (the items of <c>Run.notifications</c>).</summary>
    private static JsonObject NotificationRecordSchema()
    {
        var schema = Schema(
            ["target", "type", "event", "delivered", "attempts", "at"],
            ("target", "string"), ("type", "string"), ("event", "string"), ("delivered", "boolean"), ("attempts", "integer"), ("at", "string"), ("error", "string"));
        var properties = (JsonObject)schema["properties"]!;
        properties["target"] = Type("string", "sync[i]: the sync's i-th target; default[i]: the configured defaults' i-th.");
        properties["at"] = Type("string", "When the last attempt ended.", "date-time");
        properties["error"] = Type("string", "Why it was not delivered (the last attempt's status or failure); never a secret or a URL.");
        return schema;
    }

    /// <summary>The run statuses as an enum, with what each means (in the description, and as <c>x-enum-descriptions</c>).</summary>
    private static JsonObject RunStatusSchema()
    {
        var statuses = Enum.GetValues<RunStatus>();
        var meanings = string.Join("\n", statuses.Select(s => $"- `{s}`: {RunStatuses.Describe(s)}"));
        return new JsonObject
        {
            ["type"] = "string",
            ["enum"] = Names<RunStatus>(),
            ["description"] = "Where a run is, and how it ended. Pending, Sending and AwaitingApproval are not final; the others are.\n" + meanings,
            ["x-enum-descriptions"] = new JsonArray(statuses.Select(s => (JsonNode)RunStatuses.Describe(s)).ToArray()),
        };
    }

    private static JsonArray Names<TEnum>()
        where TEnum : struct, Enum => new(Enum.GetNames<TEnum>().Select(n => (JsonNode)n).ToArray());

    private static JsonObject Answer(string schema) => new()
    {
        ["description"] = "OK",
        ["content"] = new JsonObject
        {
            ["application/json"] = new JsonObject
            {
                ["schema"] = schema.EndsWith("[]", StringComparison.Ordinal)
                    ? new JsonObject { ["type"] = "array", ["items"] = Ref(schema[..^2]) }
                    : Ref(schema),
            },
        },
    };

    private static JsonObject Ref(string schema) => new() { ["$ref"] = "#/components/schemas/" + schema };

    private static JsonObject Type(string type, string? description = null, string? format = null)
    {
        var node = new JsonObject { ["type"] = type };
        if (format is not null)
        {
            node["format"] = format;
        }

        if (description is not null)
        {
            node["description"] = description;
        }

        return node;
    }

    private static JsonObject Problem(string description) => new()
    {
        ["description"] = description,
        ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } } },
    };

    private static JsonObject Schema(string[] required, params (string Name, string Type)[] properties) => new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray(required.Select(r => (JsonNode)r).ToArray()),
        ["properties"] = new JsonObject(properties.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)new JsonObject { ["type"] = p.Type }))),
    };
}
