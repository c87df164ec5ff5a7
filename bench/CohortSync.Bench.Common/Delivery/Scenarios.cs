using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using CohortSync.Connectors.Braze;
using CohortSync.Connectors.Iterable;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Sandbox.Braze;
using CohortSync.Sandbox.Faults;
using CohortSync.Sandbox.Iterable;
using CohortSync.Sandbox.Productboard;
using CohortSync.Sandbox.Pushwoosh;
using CohortSync.Sandbox.Webhook;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Bench.Delivery;

/// <summary>
/// One destination's benchmark set-up, as the integration tests under tests/CohortSync.IntegrationTests/Connectors set each
/// vendor up: the sandbox's limit, the users it must already know, the destination's settings and secrets, the identifier
/// chain, which routes are the send phase, and how to read membership back.
/// </summary>
internal abstract class Scenario
{
    /// <summary>The destination type (and the row's name).</summary>
    public abstract string Type { get; }

    /// <summary>Where the limit comes from, for the report.</summary>
    public abstract string LimitSource { get; }

    /// <summary>Vendor requests one member costs when the cohort is new (for sizing: requests = limit x seconds).</summary>
    public abstract double RequestsPerMember { get; }

    /// <summary>The cohort file's columns are user_id and email; the chain picks what the destination takes.</summary>
    public virtual IReadOnlyList<IdentifierMapping> Identifiers => [new IdentifierMapping("user_id", KeyKind.UserId)];

    public virtual IReadOnlyList<CarriedField> Carry => [];

    /// <summary>The sandbox's bucket size, for the report.</summary>
    public abstract double Burst(RecordingSandbox sandbox);

    /// <summary>Sets the sandbox's limit.</summary>
    public abstract void Limit(RecordingSandbox sandbox, double perSecond);

    /// <summary>Seeds the users the vendor must already know (Braze and Pushwoosh never create users).</summary>
    public virtual void Seed(RecordingSandbox sandbox, int members)
    {
    }

    /// <summary>The destination (settings with <c>requestsPerSecond</c>) and the secrets it names.</summary>
    public abstract (DestinationDefinition Destination, IReadOnlyDictionary<string, string> Secrets) Define(RecordingSandbox sandbox, double perSecond);

    /// <summary>True for a request of the send phase (not container set-up).</summary>
    public abstract bool IsSend(Arrival arrival);

    /// <summary>The sandbox's membership of the container after the run, in the key form of <see cref="Expected"/>.</summary>
    public abstract Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId);

    /// <summary>Member <paramref name="i"/> of the cohort as the sandbox names it.</summary>
    public virtual string Expected(int i) => "user-" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>The limit measured against: the connector's own default requestsPerSecond (Braze's and Productboard's are their documented limits).</summary>
    public double ConnectorLimit(IServiceProvider provider)
    {
        var connector = provider.GetRequiredService<IDestinationRegistry>().Resolve(Type);
        return (double)connector.GetType().GetProperty("DefaultRequestsPerSecond", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(connector)!;
    }

    /// <summary>
    /// Seeds the sandbox with the members, puts the destination's secrets into the configuration, writes the cohort file
    /// and stores the destination and a file sync of it; returns the sync.
    /// </summary>
    public async Task<SyncDefinition> ArrangeAsync(
        IServiceProvider provider, IConfiguration configuration, RecordingSandbox sandbox, double limit, int members, string cohortPath, string syncId, string syncName, int? batchSize, CancellationToken cancellationToken)
    {
        Seed(sandbox, members);
        var (destination, secrets) = Define(sandbox, limit);
        foreach (var (name, value) in secrets)
        {
            configuration["Secrets:" + name] = value;
        }

        CohortCsv.WritePlain(cohortPath, members);
        var store = provider.GetRequiredService<ISyncStore>();
        await store.SaveDestinationAsync(destination with { CreatedAt = DateTimeOffset.UtcNow }, null, cancellationToken);
        var sync = new SyncDefinition
        {
            Id = syncId,
            Name = syncName,
            DestinationId = destination.Id,
            Source = new SourceDefinition("file", cohortPath, syncName + " cohort"),
            Identifiers = Identifiers,
            Carry = Carry,
            BatchSize = batchSize,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.SaveSyncAsync(sync, null, cancellationToken);
        return sync;
    }

    /// <summary>Requests the sandbox refused for its rate limit.</summary>
    public abstract int Violations(RecordingSandbox sandbox);

    /// <summary>A note for the report when violations are not counted by the sandbox itself.</summary>
    public virtual string? ViolationNote => null;

    public static IReadOnlyList<Scenario> All { get; } = [new BrazeScenario(), new IterableScenario(), new PushwooshScenario(), new ProductboardScenario(), new WebhookScenario()];

    protected static string Rate(double perSecond) => perSecond.ToString("R", CultureInfo.InvariantCulture);

    protected static DestinationDefinition Destination(string type, string secretName, params (string Key, string Value)[] settings) => new()
    {
        Id = "bench-" + type,
        Name = type + " (sandbox)",
        Type = type,
        SecretName = secretName,
        Settings = settings.ToDictionary(s => s.Key, s => s.Value),
    };
}

internal sealed class BrazeScenario : Scenario
{
    private const string DataImportKey = "bench-data-import-key";

    public override string Type => BrazeConnector.TypeName;

    public override string LimitSource => "documented: 250,000 an hour";

    public override double RequestsPerMember => 1.0 / BrazeSandbox.MaxIdentifiersPerRequest;

    private static BrazeSandbox Braze(RecordingSandbox s) => s.Get<BrazeSandbox>();

    public override double Burst(RecordingSandbox sandbox) => Braze(sandbox).RateLimit.Burst;

    public override void Limit(RecordingSandbox sandbox, double perSecond) => Braze(sandbox).RateLimit.PermitsPerSecond = perSecond;

    private BrazeWorkspace? _workspace;

    public override void Seed(RecordingSandbox sandbox, int members)
    {
        _workspace = Braze(sandbox).AddWorkspace("US-03", DataImportKey);
        _workspace.AddIdentifiedUsers(Enumerable.Range(0, members).Select(Expected));
    }

    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(RecordingSandbox sandbox, double perSecond) =>
        (Destination(Type, "bench-braze-dik", ("cluster", "US-03"), ("mode", "partnerCohort"), ("partnerName", Braze(sandbox).PartnerName), ("baseUrl", new Uri(sandbox.BaseAddress, "braze/us-03/").ToString()), ("requestsPerSecond", Rate(perSecond))),
         new Dictionary<string, string> { ["bench-braze-dik"] = DataImportKey, ["braze-partner-key-us"] = Braze(sandbox).UsPartnerKey });

    public override bool IsSend(Arrival arrival) => arrival.Path.EndsWith("/cohorts/users", StringComparison.Ordinal);

    public override Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId) =>
        Task.FromResult(_workspace!.Members(containerId));

    public override int Violations(RecordingSandbox sandbox) => Braze(sandbox).RateLimitViolations;
}

internal sealed class IterableScenario : Scenario
{
    public override string Type => IterableConnector.TypeName;

    public override string LimitSource => "connector default (UNVERIFIED)";

    public override double RequestsPerMember => 1.0 / IterableConnector.SubscribersPerRequest;

    private static IterableSandbox Iterable(RecordingSandbox s) => s.Get<IterableSandbox>();

    public override double Burst(RecordingSandbox sandbox) => Iterable(sandbox).ListUpdates.Burst;

    public override void Limit(RecordingSandbox sandbox, double perSecond) => Iterable(sandbox).ListUpdates.PermitsPerSecond = perSecond;

    public override void Seed(RecordingSandbox sandbox, int members)
    {
        var project = Iterable(sandbox).DefaultProject;
        for (var i = 0; i < members; i++)
        {
            project.AddUser("user-" + i.ToString(CultureInfo.InvariantCulture));
        }
    }

    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(RecordingSandbox sandbox, double perSecond) =>
        (Destination(Type, "bench-iterable-key", ("baseUrl", new Uri(sandbox.BaseAddress, "iterable/us/").ToString()), ("requestsPerSecond", Rate(perSecond))),
         new Dictionary<string, string> { ["bench-iterable-key"] = IterableSandbox.DefaultApiKey });

    public override bool IsSend(Arrival arrival) =>
        arrival.Path.EndsWith("/api/lists/subscribe", StringComparison.Ordinal) || arrival.Path.EndsWith("/api/lists/unsubscribe", StringComparison.Ordinal);

    public override Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId) =>
        Task.FromResult(Iterable(sandbox).DefaultProject.Members(long.Parse(containerId, CultureInfo.InvariantCulture)));

    // Iterable's sandbox names list members by the key they were subscribed with.
    public override string Expected(int i) => "userId:user-" + i.ToString(CultureInfo.InvariantCulture);

    public override int Violations(RecordingSandbox sandbox) => Iterable(sandbox).Violations;
}

internal sealed class PushwooshScenario : Scenario
{
    private const string ServerSecret = "bench-pushwoosh-server";

    public override string Type => "pushwoosh";

    public override string LimitSource => "connector default (UNVERIFIED)";

    // One bulkSetTags of up to a batch's members and (at least) one status read of it.
    public override double RequestsPerMember => 2.0 / 1000;

    public override IReadOnlyList<IdentifierMapping> Identifiers => [new IdentifierMapping("email", KeyKind.Email)];

    private static PushwooshSandbox Pushwoosh(RecordingSandbox s) => s.Get<PushwooshSandbox>();

    public override double Burst(RecordingSandbox sandbox) => Pushwoosh(sandbox).RateLimiter.Burst;

    public override void Limit(RecordingSandbox sandbox, double perSecond) => Pushwoosh(sandbox).RateLimiter.PermitsPerSecond = perSecond;

    public override void Seed(RecordingSandbox sandbox, int members) => Pushwoosh(sandbox).AddUsers(Enumerable.Range(0, members).Select(Expected));

    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(RecordingSandbox sandbox, double perSecond) =>
        (Destination(Type, ServerSecret, ("baseUrl", sandbox.BaseAddress.ToString()), ("applicationCode", PushwooshSandbox.DefaultApplication), ("requestsPerSecond", Rate(perSecond))),
         new Dictionary<string, string> { [ServerSecret] = PushwooshSandbox.DefaultServerToken });

    public override bool IsSend(Arrival arrival) =>
        arrival.Path.StartsWith("/api/v2/audience/bulkSetTags", StringComparison.Ordinal) || arrival.Path.EndsWith("/json/1.3/setTags", StringComparison.Ordinal);

    public override async Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId)
    {
        await Pushwoosh(sandbox).WhenIdleAsync(TimeSpan.FromMinutes(1));
        return Pushwoosh(sandbox).Members(containerId);
    }

    public override string Expected(int i) => "u" + i.ToString(CultureInfo.InvariantCulture) + "@example.com";

    public override int Violations(RecordingSandbox sandbox) => Pushwoosh(sandbox).RateLimitViolations;
}

internal sealed class ProductboardScenario : Scenario
{
    public override string Type => ProductboardConnector.TypeName;

    public override string LimitSource => "documented: 50 a second";

    // One upsert of the user (with its company link) per member who enters.
    public override double RequestsPerMember => 1;

    public override IReadOnlyList<CarriedField> Carry => [new CarriedField("email", ProductboardMember.EmailField)];

    private static ProductboardSandbox Productboard(RecordingSandbox s) => s.Get<ProductboardSandbox>();

    public override double Burst(RecordingSandbox sandbox) => Productboard(sandbox).RateLimit.Burst;

    public override void Limit(RecordingSandbox sandbox, double perSecond) => Productboard(sandbox).RateLimit.PermitsPerSecond = perSecond;

    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(RecordingSandbox sandbox, double perSecond) =>
        (Destination(Type, "bench-productboard-token", ("baseUrl", new Uri(sandbox.BaseAddress, "productboard/").ToString()), ("requestsPerSecond", Rate(perSecond))),
         new Dictionary<string, string> { ["bench-productboard-token"] = Productboard(sandbox).Token });

    public override bool IsSend(Arrival arrival) => arrival.Path.StartsWith("/productboard/users", StringComparison.Ordinal);

    public override Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId) =>
        Task.FromResult(Productboard(sandbox).Members(containerId));

    public override int Violations(RecordingSandbox sandbox) => Productboard(sandbox).LimitViolations;
}

internal sealed class WebhookScenario : Scenario
{
    private const double ReplayBurst = 5;

    public override string Type => "webhook";

    public override string LimitSource => "connector default (UNVERIFIED)";

    public override double RequestsPerMember => 1.0 / 1000;

    public override IReadOnlyList<CarriedField> Carry => [new CarriedField("email", "email")];

    public override double Burst(RecordingSandbox sandbox) => ReplayBurst;

    // The webhook receiver enforces no limit: the arrivals are replayed through the sandbox's own token bucket afterwards.
    public override void Limit(RecordingSandbox sandbox, double perSecond) => _limit = perSecond;

    private double _limit;

    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(RecordingSandbox sandbox, double perSecond) =>
        (Destination(Type, "bench-webhook-secret", ("url", new Uri(sandbox.BaseAddress, "webhook").ToString()), ("requestsPerSecond", Rate(perSecond))),
         new Dictionary<string, string> { ["bench-webhook-secret"] = sandbox.Get<WebhookSandbox>().Secret });

    public override bool IsSend(Arrival arrival) => arrival.Path == "/webhook";

    public override Task<IReadOnlySet<string>> MembershipAsync(RecordingSandbox sandbox, string containerId) =>
        Task.FromResult<IReadOnlySet<string>>(sandbox.Get<WebhookSandbox>().Members(containerId)
            .Select(k => k.StartsWith("userId:", StringComparison.Ordinal) ? k["userId:".Length..] : k).ToHashSet(StringComparer.Ordinal));

    public override int Violations(RecordingSandbox sandbox)
    {
        var clock = new ReplayClock();
        var bucket = new SandboxRateLimiter(_limit, ReplayBurst, clock);
        foreach (var arrival in sandbox.Arrivals.Where(IsSend).OrderBy(a => a.At))
        {
            clock.Now = arrival.At;
            bucket.TryTake("webhook", out _, out _);
        }

        return bucket.Violations;
    }

    public override string ViolationNote =>
        $"the webhook receiver enforces no limit: its request arrivals were replayed through the sandbox's SandboxRateLimiter at the limit, burst {ReplayBurst}";

    private sealed class ReplayClock : TimeProvider
    {
        public long Now { get; set; }

        public override long TimestampFrequency => Stopwatch.Frequency;

        public override long GetTimestamp() => Now;
    }
}
