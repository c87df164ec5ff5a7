using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace CohortSync.LocalHost.Cli;

/// <summary>The command line: <c>demo</c>, <c>run</c>, <c>apply</c>.</summary>
internal static class CliApp
{
    private static readonly JsonSerializerOptions DefinitionJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static RootCommand Build()
    {
        var storage = new Option<string?>("--storage") { Description = "Storage connection string (default: configuration Storage:ConnectionString)", Recursive = true };
        var verbose = new Option<bool>("--verbose") { Description = "Log what the engine does", Recursive = true };
        var root = new RootCommand("CohortSync: keep destination audiences in step with behavioral cohorts.") { storage, verbose };

        var outDir = new Option<string>("--out") { Description = "Folder for the sample cohort and the exported batches", DefaultValueFactory = _ => Path.Combine(".cohortsync", "demo") };
        var sandbox = new Option<string?>("--sandbox") { Description = "A sandbox started with --demo: also sync its Amplitude cohort to Braze, Iterable, Pushwoosh, Productboard and a webhook" };
        var demo = new Command("demo", "Sync the embedded sample cohort to a file destination twice (a full first sync, then only the change); with --sandbox, an Amplitude cohort to every destination.") { outDir, sandbox };
        demo.SetAction((parse, ct) => WithHostAsync(parse, storage, verbose, engine: true, (services, console) => DemoAsync(services, console, parse.GetValue(outDir)!, parse.GetValue(sandbox) is { } url ? new Uri(url) : null, ct), ct, web: parse.GetValue(sandbox) is not null));
        root.Subcommands.Add(demo);

        var syncId = new Option<string>("--sync") { Description = "The sync to run", Required = true };
        var mode = new Option<RunMode>("--mode") { Description = "Incremental, Full or DryRun", DefaultValueFactory = _ => RunMode.Incremental };
        var run = new Command("run", "Run one sync on the Durable Task engine, with progress and a summary. Exit code by how the run ended: " + ExitCodes.Summary + ".") { syncId, mode };
        run.SetAction((parse, ct) => WithHostAsync(parse, storage, verbose, engine: true, (services, console) => RunOneAsync(services, console, parse.GetValue(syncId)!, parse.GetValue(mode), ct), ct));
        root.Subcommands.Add(run);

        var file = new Option<FileInfo>("--file") { Description = "JSON with \"destinations\" and \"syncs\" arrays", Required = true };
        var apply = new Command("apply", "Create or replace destinations and syncs from a JSON file.") { file };
        apply.SetAction((parse, ct) => WithHostAsync(parse, storage, verbose, engine: false, (services, console) => ApplyAsync(services, console, parse.GetValue(file)!, ct), ct));
        root.Subcommands.Add(apply);
        var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var serve = new Command("serve", "Serve the HTTP API (x-functions-key: the Api:Key setting), the scheduler timer and the Durable Task engine.") { urls };
        serve.SetAction(async (parse, ct) =>
        {
            var app = Web.LocalHostApp.Build(["--urls", parse.GetValue(urls)!], config =>
            {
                if (parse.GetValue(storage) is { Length: > 0 } connection)
                {
                    config.AddInMemoryCollection([new("Storage:ConnectionString", connection)]);
                }
            });
            await app.RunAsync(ct);
            return 0;
        });
        root.Subcommands.Add(serve);
        return root;
    }

    // Runs an action in a started host: a generic host, or with web, the local host's web app on a free loopback port (the
    // API, with a throwaway key, and no scheduler timer), for a demo step that needs the host reachable over HTTP.
    private static async Task<int> WithHostAsync(
        ParseResult parse, Option<string?> storage, Option<bool> verbose, bool engine, Func<IServiceProvider, IAnsiConsole, Task<int>> action, CancellationToken cancellationToken, bool web = false)
    {
        var console = AnsiConsole.Console;
        var level = parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning;
        IHost host;
        if (web)
        {
            host = Web.LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], config =>
            {
                config.AddInMemoryCollection([new("Api:Key", Convert.ToHexString(RandomNumberGenerator.GetBytes(24))), new("SchedulerTimer", "off"), new("Logging:LogLevel:Default", level.ToString())]);
                if (parse.GetValue(storage) is { Length: > 0 } connection)
                {
                    config.AddInMemoryCollection([new("Storage:ConnectionString", connection)]);
                }
            });
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            if (parse.GetValue(storage) is { Length: > 0 } connection)
            {
                builder.Configuration.AddInMemoryCollection([new("Storage:ConnectionString", connection)]);
            }

            builder.Logging.SetMinimumLevel(level);
            builder.Services.AddCohortSyncLocalHost(builder.Configuration, engine);
            host = builder.Build();
        }

        using var disposable = host;
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        if (string.IsNullOrWhiteSpace(configuration["Storage:ConnectionString"]) && string.IsNullOrWhiteSpace(configuration["Storage:TableEndpoint"]))
        {
            console.MarkupLine("[red]error:[/] no storage configured. Pass --storage, set Storage__ConnectionString (or Storage__TableEndpoint with az login), or use [bold]bash eng/run.sh[/], which starts Azurite.");
            return ExitCodes.NoStorage;
        }

        await host.StartAsync(cancellationToken);
        try
        {
            return await action(host.Services, console);
        }
        catch (Exception ex) when (ex is ValidationException or NotFoundException or JsonException or IOException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return ExitCodes.CommandFailed;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> RunOneAsync(IServiceProvider services, IAnsiConsole console, string syncId, RunMode mode, CancellationToken cancellationToken)
    {
        // Unfinished runs (from a crash or a stop) are in the task hub: the engine took them up again when it started.
        var engine = services.GetRequiredService<DurableWorkflowEngine>();
        var runs = services.GetRequiredService<RunService>();
        var start = await runs.StartAsync(syncId, mode, cancellationToken: cancellationToken);
        if (!start.Started)
        {
            console.MarkupLineInterpolated($"sync {syncId} already has run {start.Run.RunId} under way ({start.Run.Status}); following it");
            if (!start.Run.Status.IsTerminal())
            {
                // A process killed between writing the run's record and scheduling its orchestration left a run the
                // engine has never seen: schedule it now (a no-op when the orchestration exists).
                await engine.StartAsync(new RunInput(start.Run.RunId, start.Run.SyncId, start.Run.Mode, start.Run.ExportFirst, start.Run.Notify), cancellationToken);
            }
        }

        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = engine.WaitAsync(start.Run.RunId, following.Token);
        RunProgress progress;
        try
        {
            progress = await new RunReporter(runs, console).FollowAsync(start.Run.RunId, running, cancellationToken);
        }
        finally
        {
            // A run held for approval is still running: stop waiting for it.
            await following.CancelAsync();
            await running.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return ExitCodes.Of(progress.Run.Status);
    }

    private static async Task<int> DemoAsync(IServiceProvider services, IAnsiConsole console, string outDir, Uri? sandbox, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<ISyncStore>();
        var time = services.GetRequiredService<TimeProvider>();
        var root = Path.GetFullPath(outDir);
        Directory.CreateDirectory(root);
        var cohort = Path.Combine(root, "cohort.csv");
        var export = Path.Combine(root, "export");

        var service = services.GetRequiredService<DefinitionService>();
        await Definitions.UpsertAsync(service, store, new DestinationDefinition
        {
            Id = "demo-files",
            Name = "Demo export folder",
            Type = "file",
            Settings = new Dictionary<string, string> { ["folder"] = export },
            CreatedAt = time.GetUtcNow(),
        }, secret: null, cancellationToken);
        await Definitions.UpsertAsync(service, store, new SyncDefinition
        {
            Id = "demo-sync",
            Name = "Trial users who never invited a teammate",
            DestinationId = "demo-files",
            Source = new SourceDefinition("file", cohort, "Trial, no invite"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("device_id", KeyKind.DeviceId)],
            Carry = [new CarriedField("email", "email")],
            CreatedAt = time.GetUtcNow(),
        }, cancellationToken);

        var exitCode = ExitCodes.Success;
        foreach (var (sample, title) in new[] { ("cohort-week1.csv", "first sync: every member"), ("cohort-week2.csv", "second sync: only who entered, left or changed") })
        {
            console.Write(new Rule($"[bold]{title}[/] ({sample})").LeftJustified());
            await using (var resource = typeof(CliApp).Assembly.GetManifestResourceStream("Samples." + sample)!)
            await using (var target = File.Create(cohort))
            {
                await resource.CopyToAsync(target, cancellationToken);
            }

            exitCode = Math.Max(exitCode, await RunOneAsync(services, console, "demo-sync", RunMode.Incremental, cancellationToken));
        }

        console.MarkupLineInterpolated($"Exported batches (JSON lines) are under [bold]{Path.Combine(export, "demo-sync")}[/]");
        if (sandbox is null)
        {
            return exitCode;
        }

        var syncIds = await SandboxSyncSetup.PrepareAsync(services, sandbox, cancellationToken);
        foreach (var syncId in syncIds)
        {
            SandboxSyncSetup.Title(console, $"Amplitude cohort -> {syncId[4..]} ({syncId})");
            exitCode = Math.Max(exitCode, await RunOneAsync(services, console, syncId, RunMode.Incremental, cancellationToken));
        }

        SandboxSyncSetup.Title(console, $"{syncIds[0]} again: Amplitude has not recomputed the cohort, so nothing is downloaded or sent");
        exitCode = Math.Max(exitCode, await RunOneAsync(services, console, syncIds[0], RunMode.Incremental, cancellationToken));
        SandboxSyncSetup.Title(console, $"Amplitude's cohort webhooks -> webhook ({WebhookSourceDemo.SyncId}): first sync, every member");
        var hookSecret = await WebhookSourceDemo.PrepareAsync(services, console, sandbox, cancellationToken);
        exitCode = Math.Max(exitCode, await RunOneAsync(services, console, WebhookSourceDemo.SyncId, RunMode.Incremental, cancellationToken));
        SandboxSyncSetup.Title(console, $"{WebhookSourceDemo.SyncId} again after the next computation: only who entered and who left");
        await WebhookSourceDemo.SendChangeAsync(services, console, sandbox, hookSecret, cancellationToken);
        exitCode = Math.Max(exitCode, await RunOneAsync(services, console, WebhookSourceDemo.SyncId, RunMode.Incremental, cancellationToken));
        SandboxSyncSetup.Title(console, $"notifications the sandbox received from amp-webhook and {WebhookSourceDemo.SyncId}");
        await SandboxSyncSetup.PrintNotificationsAsync(console, sandbox, cancellationToken);
        return exitCode;
    }

    private static async Task<int> ApplyAsync(IServiceProvider services, IAnsiConsole console, FileInfo file, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<ISyncStore>();
        await using var stream = file.OpenRead();
        var definitions = await JsonSerializer.DeserializeAsync<DefinitionsFile>(stream, DefinitionJson, cancellationToken)
            ?? throw new JsonException("the file is empty");

        // Check everything before storing anything: every bad field of every definition, and nothing saved.
        var service = services.GetRequiredService<DefinitionService>();
        await service.ValidateAllAsync(definitions.Destinations ?? [], definitions.Syncs ?? [], cancellationToken);
        foreach (var destination in definitions.Destinations ?? [])
        {
            await Definitions.UpsertAsync(service, store, destination, secret: null, cancellationToken);
            console.MarkupLineInterpolated($"destination [bold]{destination.Id}[/] saved");
        }

        foreach (var sync in definitions.Syncs ?? [])
        {
            var saved = await Definitions.UpsertAsync(service, store, sync, cancellationToken);
            console.MarkupLineInterpolated($"sync [bold]{sync.Id}[/] saved");
            foreach (var warning in saved.Warnings)
            {
                console.MarkupLineInterpolated($"[yellow]warning:[/] sync {sync.Id}: {warning}");
            }
        }

        return 0;
    }

    private sealed record DefinitionsFile(IReadOnlyList<DestinationDefinition>? Destinations, IReadOnlyList<SyncDefinition>? Syncs);
}
