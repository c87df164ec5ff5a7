using System.Globalization;

namespace CohortSync.ScaleBench;

/// <summary>The parent's command-line options (a child is started with PlanBench's <c>--child</c> options instead).</summary>
public sealed class ScaleOptions
{
    public const int LargeSize = 10_000_000;

    public IReadOnlyList<int> Sizes { get; private set; } = [100_000, 1_000_000, LargeSize];

    public double Churn { get; private set; } = 0.01;

    public int Seed { get; private set; } = 20261122;

    /// <summary>Plan measurements per size below <see cref="LargeSize"/>; a size of 10,000,000 or more is measured once.</summary>
    public int Repeat { get; private set; } = 3;

    /// <summary>Rows the naive baseline writes for real before extrapolating.</summary>
    public int NaiveRows { get; private set; } = 5_000;

    /// <summary>How long each destination's send phase should last; the sample cohort is sized from it.</summary>
    public double DeliverySeconds { get; private set; } = 5;

    public bool Delivery { get; private set; } = true;

    /// <summary>Members of the end-to-end first sync to the webhook on the Durable Task engine (0: skip).</summary>
    public int EngineMembers { get; private set; } = 1_000_000;

    /// <summary>The webhook's request limit in the end-to-end first sync: high, so the engine and storage bound it.</summary>
    public double EngineLimit { get; private set; } = 1000;

    public string? Storage { get; private set; }

    public bool Keep { get; private set; }

    public TimeSpan ChildTimeout { get; private set; } = TimeSpan.FromMinutes(20);

    public bool Help { get; private set; }

    public const string Usage = """
        CohortSync scale harness: for each cohort size, with churn, the planning time and peak memory (each in its own child
        process), table transactions and bytes per run, a run and an every-minute tick that find nothing changed, and
        delivery to each sandbox against its limit, every figure beside a naive baseline measured in the same run.

        usage: dotnet run -c Release --project bench/CohortSync.ScaleBench -- [options]
          --sizes N,N,...      cohort sizes (default 100000,1000000,10000000)
          --churn F            share of the cohort that changes, half leaving and half joining (default 0.01)
          --seed N             seed of the churn (default 20261122)
          --repeat N           plan measurements per size below 10,000,000 (default 3; 10,000,000 and above: 1)
          --naive-rows N       rows the naive baseline writes for real before extrapolating (default 5000)
          --delivery-seconds S length of each destination's send phase; sizes its sample cohort (default 5)
          --engine-members N   members of the end-to-end first sync to the webhook on the engine (default 1000000; 0 skips)
          --engine-limit R     the webhook's requests a second in that sync (default 1000: high, so the engine and storage bound it)
          --no-delivery        skip the delivery measurements
          --storage CONN       Table Storage connection string (default: a private Azurite started with eng/azurite.sh)
          --timeout MIN        per-child time limit in minutes (default 20)
          --keep               keep the cohort files and, with --storage, the tables
          --help               this text

        The table goes to stdout, progress to stderr. Exit code 0 when every measurement ran (whether or not the goals
        were met), 1 on an error (a child failed, a plan was wrong, Azurite did not start), 2 on bad arguments.
        """;

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ScaleOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--sizes": options.Sizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Count(name, v)).ToList(); break;
                case "--churn": options.Churn = Fraction(name, Value()); break;
                case "--seed": options.Seed = Count(name, Value()); break;
                case "--repeat": options.Repeat = Count(name, Value()); break;
                case "--naive-rows": options.NaiveRows = Count(name, Value()); break;
                case "--delivery-seconds": options.DeliverySeconds = Seconds(name, Value()); break;
                case "--engine-members": options.EngineMembers = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--engine-limit": options.EngineLimit = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--no-delivery": options.Delivery = false; break;
                case "--storage": options.Storage = Value(); break;
                case "--timeout": options.ChildTimeout = TimeSpan.FromMinutes(Count(name, Value())); break;
                case "--keep": options.Keep = true; break;
                case "--help" or "-h" or "-?": options.Help = true; break;
                default: throw new ArgumentException($"unknown option '{name}' (try --help)");
            }
        }

        if (options.Sizes.Count == 0)
        {
            throw new ArgumentException("--sizes needs at least one size");
        }

        return options;
    }

    /// <summary>Plan measurements for a size.</summary>
    public int RepeatFor(int size) => size >= LargeSize ? 1 : Repeat;

    private static int Count(string name, string text)
    {
        var cleaned = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);
        return int.TryParse(cleaned, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} needs a positive whole number, not '{text}'");
    }

    private static double Fraction(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 1
            ? value
            : throw new ArgumentException($"{name} needs a fraction above 0 and at most 1, not '{text}'");

    private static double Seconds(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 600
            ? value
            : throw new ArgumentException($"{name} needs a number of seconds above 0, not '{text}'");
}
