using System.CommandLine;
using CohortSync.Sandbox;
using CohortSync.Testing;
using CohortSync.Trials;

// The reliability trials (docs/reliability.md), one command:
//   dotnet run -c Release --project trials/CohortSync.Trials -- crash --trials 20 --members 100000 --seed 7
//   dotnet run -c Release --project trials/CohortSync.Trials -- storm --members 3000 --seed 7
//   dotnet run -c Release --project trials/CohortSync.Trials -- all
// Azurite: COHORTSYNC_TEST_STORAGE if set, else one started (and stopped) through eng/azurite.sh. The sandbox runs in this
// process on a free port; the local host runs as its own process. Exit code 0 when every check passed.
var trials = new Option<int>("--trials") { Description = "Crash trials", DefaultValueFactory = _ => 20 };
var members = new Option<int>("--members") { Description = "Cohort size (crash default 100,000; storm default 3,000)" };
var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => 7 };
var destinations = new Option<string[]>("--destinations") { Description = "Destinations (crash: webhook braze; storm: all five)", AllowMultipleArgumentsPerToken = true };

var crash = new Command("crash", "Kill the local host (SIGKILL) during Prepare, sends or Commit, restart it, and check nothing is lost or resent beyond what was in flight.")
{
    trials, members, seed, destinations,
};
crash.SetAction((parse, ct) => RunAsync(async (storage, sandbox, log) =>
{
    var results = await CrashTrials.RunAsync(storage, sandbox, CrashOptions(parse), log);
    return results.All(r => r.Problems.Count == 0);
}));

var storm = new Command("storm", "Sync to every sandbox under 30% 429s, 10% 5xx, 2.5% timeouts and 2.5% dropped connections.") { members, seed, destinations };
storm.SetAction((parse, ct) => RunAsync(async (storage, sandbox, log) =>
{
    var results = await FaultStorms.RunAsync(storage, sandbox, StormOptions(parse), log);
    return results.All(r => r.Problems.Count == 0);
}));

var all = new Command("all", "The crash trials, then the fault storms.") { trials, seed };
all.SetAction((parse, ct) => RunAsync(async (storage, sandbox, log) =>
{
    var crashed = await CrashTrials.RunAsync(storage, sandbox, new CrashOptions(parse.GetValue(trials), 100_000, parse.GetValue(seed)), log);
    var stormed = await FaultStorms.RunAsync(storage, sandbox, new StormOptions(Seed: parse.GetValue(seed)), log);
    return crashed.All(r => r.Problems.Count == 0) && stormed.All(r => r.Problems.Count == 0);
}));

var root = new RootCommand("CohortSync reliability trials: crash trials and fault storms against Azurite and the sandboxes.") { crash, storm, all };
return await root.Parse(args).InvokeAsync();

CrashOptions CrashOptions(ParseResult parse) => new(
    parse.GetValue(trials),
    parse.GetValue(members) is > 0 and var m ? m : 100_000,
    parse.GetValue(seed),
    parse.GetValue(destinations));

StormOptions StormOptions(ParseResult parse) => new(
    parse.GetValue(members) is > 0 and var m ? m : 3000,
    parse.GetValue(seed),
    parse.GetValue(destinations));

static async Task<int> RunAsync(Func<string, SandboxHost, TrialLog, Task<bool>> body)
{
    using var azurite = Azurite.ConfiguredOrStart();
    await using var sandbox = await SandboxHost.StartAsync();

    // Interrupted (Ctrl+C, SIGTERM): kill the local hosts and stop Azurite, so nothing outlives the command.
    void Interrupt(System.Runtime.InteropServices.PosixSignalContext context)
    {
        context.Cancel = true;
        LocalHostProcess.KillAll();
        azurite.Dispose();
        Environment.Exit(130);
    }

    using var onInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Interrupt);
    using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Interrupt);
    var passed = await body(azurite.ConnectionString, sandbox, new TrialLog(Console.WriteLine));
    Console.WriteLine(passed ? "PASSED" : "FAILED");
    return passed ? 0 : 1;
}
