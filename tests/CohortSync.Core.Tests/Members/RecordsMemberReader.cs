using CohortSync.Core.Members;

namespace CohortSync.Core.Tests.Members;

/// <summary>A member reader over records held in memory: what a test's fake source hands to Prepare.</summary>
internal sealed class RecordsMemberReader(IEnumerable<MemberRecord> records, MemberSchema schema) : MemberReader
{
    private readonly IEnumerator<MemberRecord> _records = records.GetEnumerator();

    public override MemberSchema Schema => _records.Current.Schema ?? schema;

    public override long Line => _records.Current.Line;

    public override int ValueCount => _records.Current.Values.Length;

    public override bool Read() => _records.MoveNext();

    public override ReadOnlySpan<char> Value(int column) => _records.Current.Value(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _records.Dispose();
        }

        base.Dispose(disposing);
    }
}
