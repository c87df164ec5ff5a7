using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Braze;
using CohortSync.Sandbox.Faults;
using CohortSync.Sandbox.Iterable;
using CohortSync.Sandbox.Productboard;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.Trials;

// The five destinations the trials know. Small adapters over each sandbox, kept together because each is a few lines.

/// <summary>The signed webhook: one request per batch; the receiver counts every delivery of every key.</summary>
public sealed class WebhookDestination : TrialDestination
{
    private const string Secret = "trial-webhook-secret";

    /// <inheritdoc/>
    public override string Name => "webhook";

    /// <inheritdoc/>
    public override FaultPlan Faults(SandboxHost sandbox) => sandbox!.Webhook.Faults;

    /// <inheritdoc/>
    public override int RateLimitViolations(SandboxHost sandbox) => 0;

    /// <inheritdoc/>
    public override void Reset(SandboxHost sandbox) => sandbox!.Webhook.Reset();

    /// <inheritdoc/>
    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(SandboxHost sandbox, string syncId) =>
        (new DestinationDefinition
        {
            Id = syncId + "-dest",
            Name = "trial webhook",
            Type = "webhook",
            Settings = new Dictionary<string, string> { ["url"] = Url(sandbox, "webhook") },
            SecretName = Secret,
        }, new Dictionary<string, string> { [Secret] = sandbox!.Webhook.Secret });

    /// <inheritdoc/>
    public override Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run) =>
        Task.FromResult<IReadOnlySet<string>>(sandbox!.Webhook.Members(syncId).Select(Unprefix).ToHashSet(StringComparer.Ordinal));

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> Deliveries(SandboxHost sandbox, string syncId)
    {
        var prefix = syncId + "|";
        return sandbox!.Webhook.Deliveries
            .Where(d => d.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(d => Unprefix(d.Key[prefix.Length..]), d => d.Value, StringComparer.Ordinal);
    }
}

/// <summary>Braze's partner cohort import: up to 1,000 ids a request, so a batch is several requests; profiles must exist.</summary>
public sealed class BrazeDestination : TrialDestination
{
    private const string Secret = "trial-braze-data-import-key";
    private const string ClientSecret = "trial-braze-workspace-key";
    private BrazeWorkspace? _workspace;

    /// <inheritdoc/>
    public override string Name => "braze";

    /// <inheritdoc/>
    public override int SetupRequests => 1; // the cohort-name call in Prepare

    /// <inheritdoc/>
    public override int RequestsPerBatch(int changes) => (changes + BrazeSandbox.MaxIdentifiersPerRequest - 1) / BrazeSandbox.MaxIdentifiersPerRequest;

    /// <inheritdoc/>
    public override FaultPlan Faults(SandboxHost sandbox) => sandbox!.Get<BrazeSandbox>().Faults;

    /// <inheritdoc/>
    public override int RateLimitViolations(SandboxHost sandbox) => sandbox!.Get<BrazeSandbox>().RateLimitViolations;

    /// <inheritdoc/>
    public override void Reset(SandboxHost sandbox)
    {
        var braze = sandbox!.Get<BrazeSandbox>();
        braze.Reset();
        _workspace = braze.AddWorkspace("US-03", ClientSecret);
    }

    /// <inheritdoc/>
    public override void Seed(SandboxHost sandbox, IEnumerable<int> members) => Workspace(sandbox).AddIdentifiedUsers(members.Select(KeyOf));

    /// <inheritdoc/>
    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(SandboxHost sandbox, string syncId) =>
        (new DestinationDefinition
        {
            Id = syncId + "-dest",
            Name = "trial braze",
            Type = "braze",
            Settings = new Dictionary<string, string> { ["cluster"] = "US-03", ["baseUrl"] = Url(sandbox, "braze/us-03/"), ["mode"] = "partnerCohort", ["partnerName"] = sandbox!.Get<BrazeSandbox>().PartnerName },
            SecretName = Secret,
        }, new Dictionary<string, string> { [Secret] = ClientSecret, ["braze-partner-key-us"] = sandbox!.Get<BrazeSandbox>().UsPartnerKey });

    /// <inheritdoc/>
    public override Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run) =>
        Task.FromResult(Workspace(sandbox).Members("cohortsync-" + syncId));

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> Deliveries(SandboxHost sandbox, string syncId) => Workspace(sandbox).AddDeliveries("cohortsync-" + syncId);

    private BrazeWorkspace Workspace(SandboxHost sandbox) => _workspace ?? throw new InvalidOperationException("reset the Braze sandbox first");
}

/// <summary>Iterable's list subscribe: up to 1,000 subscribers a request, 10 requests a second.</summary>
public sealed class IterableDestination : TrialDestination
{
    private const string Secret = "trial-iterable-key";

    /// <inheritdoc/>
    public override string Name => "iterable";

    /// <inheritdoc/>
    public override FaultPlan Faults(SandboxHost sandbox) => sandbox!.Get<IterableSandbox>().Faults;

    /// <inheritdoc/>
    public override int RateLimitViolations(SandboxHost sandbox) => sandbox!.Get<IterableSandbox>().Violations;

    /// <inheritdoc/>
    public override void Reset(SandboxHost sandbox) => sandbox!.Get<IterableSandbox>().Reset();

    /// <inheritdoc/>
    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(SandboxHost sandbox, string syncId) =>
        (new DestinationDefinition
        {
            Id = syncId + "-dest",
            Name = "trial iterable",
            Type = "iterable",
            Settings = new Dictionary<string, string> { ["baseUrl"] = Url(sandbox, "iterable/us/") },
            SecretName = Secret,
        }, new Dictionary<string, string> { [Secret] = IterableSandbox.DefaultApiKey });

    /// <inheritdoc/>
    public override Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run) =>
        Task.FromResult<IReadOnlySet<string>>(sandbox!.Get<IterableSandbox>().DefaultProject
            .Members(long.Parse(run!.Plan!.ContainerId!, System.Globalization.CultureInfo.InvariantCulture))
            .Select(Unprefix).ToHashSet(StringComparer.Ordinal));
}

/// <summary>Pushwoosh's bulk tag jobs (submitted, then polled), keyed by email; users must exist.</summary>
public sealed class PushwooshDestination : TrialDestination
{
    private const string ServerSecret = "trial-pushwoosh-server";

    /// <inheritdoc/>
    public override string Name => "pushwoosh";

    /// <inheritdoc/>
    public override IReadOnlyList<IdentifierMapping> Identifiers => [new IdentifierMapping("email", KeyKind.Email)];

    /// <inheritdoc/>
    public override IReadOnlyList<CarriedField> Carry => [];

    /// <inheritdoc/>
    public override string KeyOf(int n) => $"u{n}@example.com";

    /// <inheritdoc/>
    public override FaultPlan Faults(SandboxHost sandbox) => sandbox!.Get<PushwooshSandbox>().Faults;

    /// <inheritdoc/>
    public override int RateLimitViolations(SandboxHost sandbox) => sandbox!.Get<PushwooshSandbox>().RateLimitViolations;

    /// <inheritdoc/>
    public override void Reset(SandboxHost sandbox)
    {
        var pushwoosh = sandbox!.Get<PushwooshSandbox>();
        pushwoosh.Reset();
        pushwoosh.RateLimiter.PermitsPerSecond = 100;
    }

    /// <inheritdoc/>
    public override void Seed(SandboxHost sandbox, IEnumerable<int> members) => sandbox!.Get<PushwooshSandbox>().AddUsers(members.Select(KeyOf));

    /// <inheritdoc/>
    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(SandboxHost sandbox, string syncId) =>
        (new DestinationDefinition
        {
            Id = syncId + "-dest",
            Name = "trial pushwoosh",
            Type = "pushwoosh",
            Settings = new Dictionary<string, string>
            {
                ["baseUrl"] = sandbox!.BaseAddress.ToString(),
                ["applicationCode"] = PushwooshSandbox.DefaultApplication,
                ["statusPollDelayMs"] = "10",
                ["requestsPerSecond"] = "100",
            },
            SecretName = ServerSecret,
        }, new Dictionary<string, string> { [ServerSecret] = PushwooshSandbox.DefaultServerToken });

    /// <inheritdoc/>
    public override async Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run)
    {
        var pushwoosh = sandbox!.Get<PushwooshSandbox>();
        await pushwoosh.WhenIdleAsync();
        return pushwoosh.Members(CohortName(syncId));
    }
}

/// <summary>Productboard: one request per member (link a user to the cohort's company), 50 a second.</summary>
public sealed class ProductboardDestination : TrialDestination
{
    private const string Secret = "trial-productboard-token";

    /// <inheritdoc/>
    public override string Name => "productboard";

    /// <inheritdoc/>
    public override int SetupRequests => 2;

    /// <inheritdoc/>
    public override FaultPlan Faults(SandboxHost sandbox) => sandbox!.Get<ProductboardSandbox>().Faults;

    /// <inheritdoc/>
    public override int RateLimitViolations(SandboxHost sandbox) => sandbox!.Get<ProductboardSandbox>().LimitViolations;

    /// <inheritdoc/>
    public override void Reset(SandboxHost sandbox) => sandbox!.Get<ProductboardSandbox>().Reset();

    /// <inheritdoc/>
    public override (DestinationDefinition, IReadOnlyDictionary<string, string>) Define(SandboxHost sandbox, string syncId) =>
        (new DestinationDefinition
        {
            Id = syncId + "-dest",
            Name = "trial productboard",
            Type = "productboard",
            Settings = new Dictionary<string, string> { ["baseUrl"] = Url(sandbox, "productboard/") },
            SecretName = Secret,
        }, new Dictionary<string, string> { [Secret] = ProductboardSandbox.DefaultToken });

    /// <inheritdoc/>
    public override Task<IReadOnlySet<string>> MembersAsync(SandboxHost sandbox, string syncId, RunRecord run) =>
        Task.FromResult(sandbox!.Get<ProductboardSandbox>().Members(run!.Plan!.ContainerId!));
}
