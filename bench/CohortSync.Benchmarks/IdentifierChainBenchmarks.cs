using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;

namespace CohortSync.Benchmarks;

/// <summary>IdentifierChain.Resolve over 100,000 parsed members (user_id to a user id), with and without a carried email.</summary>
[MemoryDiagnoser]
[Config(typeof(ResolveRateConfig))]
public class IdentifierChainBenchmarks
{
    internal const int Members = 100_000;
    private MemberRecord[] _members = [];
    private IdentifierChain _chain = null!;

    [Params(false, true)]
    public bool CarryEmail { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var csv = CohortCsv.ToBytes(Enumerable.Range(0, Members));
        _members = MemberFileReader.Read(new MemoryStream(csv), MemberFileFormat.Csv).ToArray();
        _chain = new IdentifierChain(
            [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("email", KeyKind.Email)],
            CarryEmail ? [new CarriedField("email", "email")] : null);
    }

    [Benchmark]
    public int Resolve()
    {
        var matched = 0;
        foreach (var member in _members)
        {
            matched += _chain.Resolve(member).IsMatched ? 1 : 0;
        }

        return matched;
    }

    [Benchmark]
    public int ResolveAndEncode()
    {
        var length = 0;
        foreach (var member in _members)
        {
            length += _chain.Resolve(member).Key.Encode().Length;
        }

        return length;
    }
}
