namespace CohortSync.TestHelpers;

/// <summary>
/// A clock tests move by hand. Microsoft.Extensions.TimeProvider.Testing (FakeTimeProvider) is not in this machine's
/// registry, so this small stand-in covers what the tests need: a settable UTC now.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now) => _now = now;
}
