using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Trials;

/// <summary>
/// A destination the trials sync to, with what they need from its sandbox: seeding, its fault plan, its membership and (where
/// the sandbox counts them) per-member deliveries. Member <c>n</c> is <c>user-n</c> with email <c>u{n}@example.com</c>; the
/// destination key is the user id, or the email for Pushwoosh.
/// </summary>
public abstract class TrialDestination
{
    /// <summary>The name used on the command line and in reports.</summary>
    public abstract string Name { get; }

    /// <summary>The identifier chain of the sync.</summary>
    public virtual IReadOnlyList<IdentifierMapping> Identifiers => [new IdentifierMapping("user_id", KeyKind.UserId)];

    /// <summary>Carried fields.</summary>
    public virtual IReadOnlyList<CarriedField> Carry => [new CarriedField("email", "email")];

    /// <summary>The sync's batch size.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Destination requests a run makes before its first send (container set-up in Prepare).</summary>
    public virtual int SetupRequests => 0;

    /// <summary>Requests one batch of <paramref name="changes"/> changes takes.</summary>
    public virtual int RequestsPerBatch(int changes) => 1;

    /// <summary>The destination key value of member <paramref name="n"/>.</summary>
    public virtual string KeyOf(int n) => "user-" + n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The cohort's name for a sync.</summary>
    public virtual string CohortName(string syncId) => "Cohort " + syncId;

    /// <summary>The fault plan on the destination's routes.</summary>
    public abstract FaultPlan Faults(SandboxHost sandbox);

    /// <summary>Requests refused by the sandbox's own rate limiter (injected 429s are not counted).</summary>
    public abstract int RateLimitViolations(SandboxHost sandbox);

    /// <summary>Clears the sandbox's state and faults.</summary>
    public abstract void Reset(SandboxHost sandbox);

    /// <summary>Creates whatever must exist at the vendor for members to be accepted (Braze profiles, Pushwoosh users).</summary>
    public virtual void Seed(SandboxHost sandbox, IEnumerable<int> members)
    {
    }

    /// <summary>The destination definition and its secrets.</summary>
    public abstract (DestinationDefinition Destination, IReadOnlyDictionary<string, string> Secrets) Define(SandboxHost sandbox, string syncId);

    /// <summary>The destination's membership for a sync, as key values.</summary>
    public abstract Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run);

    /// <summary>How many times each key value was delivered as an add, or null when the sandbox does not count.</summary>
    public virtual IReadOnlyDictionary<string, int>? Deliveries(SandboxHost sandbox, string syncId) => null;

    /// <summary>The destinations by name: webhook, braze, iterable, pushwoosh, productboard.</summary>
    public static TrialDestination Create(string name, int batchSize) => name switch
    {
        "webhook" => new WebhookDestination { BatchSize = batchSize },
        "braze" => new BrazeDestination { BatchSize = batchSize },
        "iterable" => new IterableDestination { BatchSize = batchSize },
        "pushwoosh" => new PushwooshDestination { BatchSize = batchSize },
        "productboard" => new ProductboardDestination { BatchSize = batchSize },
        _ => throw new ArgumentException($"unknown destination '{name}' (webhook, braze, iterable, pushwoosh, productboard)", nameof(name)),
    };

    /// <summary>Strips a sandbox's <c>userId:</c> or <c>email:</c> prefix.</summary>
    protected static string Unprefix(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var prefix in (string[])["userId:", "email:"])
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return key[prefix.Length..];
            }
        }

        return key;
    }

    /// <summary>An address under the sandbox.</summary>
    protected static string Url(SandboxHost sandbox, string path) => new Uri(sandbox!.BaseAddress, path).ToString();
}
