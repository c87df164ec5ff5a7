using BenchmarkDotNet.Running;

namespace CohortSync.Benchmarks;

/// <summary>
/// Micro-benchmarks of the planning hot paths. Run all with
/// <c>dotnet run -c Release --project bench/CohortSync.Benchmarks -- --filter '*'</c>, or one group with e.g.
/// <c>--filter '*Diff*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
