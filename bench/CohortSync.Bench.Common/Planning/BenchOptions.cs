using System.Globalization;

namespace CohortSync.Bench.Planning;

/// <summary>Command-line options, for the parent and (with <c>--child</c>) for a measurement child.</summary>
public sealed class BenchOptions
{
    public const int DefaultMembers = 1_000_000;
    public const int DefaultNaiveRows = 20_000;

    public int Members { get; private set; } = DefaultMembers;

    public double Churn { get; private set; } = 0.01;

    public int Seed { get; private set; } = 20261122;

    /// <summary>An external storage connection string; null to start a private Azurite.</summary>
    public string? Storage { get; private set; }

    /// <summary>Rows the naive baseline writes for real before extrapolating.</summary>
    public int NaiveRows { get; private set; } = DefaultNaiveRows;

    public bool Keep { get; private set; }

    /// <summary>How many times to set up and measure the plan (the GC makes single peaks noisy).</summary>
    public int Repeat { get; private set; } = 3;

    public bool Profile { get; private set; } = true;

    /// <summary>Measure the plan as a long-running host's later run: the child first runs a small sync of its own.</summary>
    public bool Warm { get; private set; }

    public TimeSpan ChildTimeout { get; private set; } = TimeSpan.FromMinutes(30);

    public bool Help { get; private set; }

    // Hidden: set by the parent for a child process.
    public string? ChildMode { get; private set; }

    public string? WorkDir { get; private set; }

    public string? TablePrefix { get; private set; }

    public string? SyncId { get; private set; }

    public string? RunId { get; private set; }

    public string? V1Path { get; private set; }

    public string? V2Path { get; private set; }

    public const string Usage = """
        CohortSync planning benchmark: time and peak memory of planning (parse, resolve, sort, diff, store) a cohort with churn,
        beside a naive HashSet<string> difference with one table row per member, each measured in its own child process.

        usage: dotnet run -c Release --project bench/CohortSync.PlanBench -- [options]
          --members N        cohort size (default 1,000,000; 10000 is a smoke run of a few seconds)
          --churn F          share of the cohort that changes, half leaving and half joining (default 0.01)
          --storage CONN     Table Storage connection string (default: start a private Azurite with eng/azurite.sh)
          --naive-rows N     rows the naive baseline writes for real before extrapolating (default 20,000)
          --seed N           seed of the churn (default 20261122)
          --repeat N         measure the plan N times, each from a fresh setup; report median and range (default 3)
          --no-profile       skip the step-by-step breakdown child
          --warm             time each plan as a long-running host's later run (the child first runs a small sync of its
                             own three times, so the code is compiled as in a host that has run syncs), not a fresh process's
          --timeout MIN      per-child time limit in minutes (default 30)
          --keep             keep the temporary folder (CSV files) and, with --storage, the tables
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--members": options.Members = ParseCount(name, Value()); break;
                case "--churn": options.Churn = ParseFraction(name, Value()); break;
                case "--storage": options.Storage = Value(); break;
                case "--naive-rows": options.NaiveRows = ParseCount(name, Value()); break;
                case "--seed": options.Seed = ParseCount(name, Value()); break;
                case "--no-profile": options.Profile = false; break;
                case "--warm": options.Warm = true; break;
                case "--timeout": options.ChildTimeout = TimeSpan.FromMinutes(ParseCount(name, Value())); break;
                case "--keep": options.Keep = true; break;
                case "--repeat": options.Repeat = ParseCount(name, Value()); break;
                case "--help" or "-h" or "-?": options.Help = true; break;
                case "--child": options.ChildMode = Value(); break;
                case "--dir": options.WorkDir = Value(); break;
                case "--prefix": options.TablePrefix = Value(); break;
                case "--sync": options.SyncId = Value(); break;
                case "--run": options.RunId = Value(); break;
                case "--v1": options.V1Path = Value(); break;
                case "--v2": options.V2Path = Value(); break;
                default: throw new ArgumentException($"unknown option '{name}' (try --help)");
            }
        }

        return options;
    }

    /// <summary>The arguments a child needs to repeat this run.</summary>
    public IEnumerable<string> ChildArguments(string mode, string storage, string workDir, string prefix, string syncId, string runId, string v1, string v2) =>
    [
        "--child", mode,
        "--members", Members.ToString(CultureInfo.InvariantCulture),
        "--churn", Churn.ToString("R", CultureInfo.InvariantCulture),
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--naive-rows", NaiveRows.ToString(CultureInfo.InvariantCulture),
        "--storage", storage,
        "--dir", workDir,
        "--prefix", prefix,
        "--sync", syncId,
        "--run", runId,
        "--v1", v1,
        "--v2", v2,
        .. (Warm ? ["--warm"] : Array.Empty<string>()),
    ];

    public string Require(string? value, string name) => value ?? throw new ArgumentException($"a child needs {name}");

    private static int ParseCount(string name, string text)
    {
        var cleaned = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);
        if (!int.TryParse(cleaned, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"{name} needs a positive whole number, not '{text}'");
        }

        return value;
    }

    private static double ParseFraction(string name, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 1)
        {
            throw new ArgumentException($"{name} needs a fraction between 0 and 1, not '{text}'");
        }

        return value;
    }
}
