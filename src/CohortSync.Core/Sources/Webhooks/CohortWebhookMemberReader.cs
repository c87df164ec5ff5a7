using CohortSync.Core.Members;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// Reads a webhook cohort's current members (the stored states that are in the cohort), a page of the store at a time, as
/// rows with one column, <c>user_id</c>. The next page is fetched while the current one is read.
/// </summary>
internal sealed class CohortWebhookMemberReader : MemberReader
{
    private static readonly MemberSchema UserIdOnly = new([CohortWebhookSource.UserIdColumn]);
    private readonly IAsyncEnumerator<IReadOnlyList<CohortMemberEntry>> _pages;
    private Task<bool>? _next;
    private IReadOnlyList<CohortMemberEntry> _page = [];
    private int _index = -1;
    private long _line;

    public CohortWebhookMemberReader(IAsyncEnumerable<IReadOnlyList<CohortMemberEntry>> pages, CancellationToken cancellationToken)
    {
        _pages = pages.GetAsyncEnumerator(cancellationToken);
        _next = _pages.MoveNextAsync().AsTask();
    }

    public override MemberSchema Schema => UserIdOnly;

    public override long Line => _line;

    public override int ValueCount => 1;

    public override bool Read()
    {
        while (++_index >= _page.Count || !_page[_index].State.InCohort)
        {
            if (_index < _page.Count)
            {
                continue;
            }

            if (_next is null || !_next.GetAwaiter().GetResult())
            {
                _next = null;
                return false;
            }

            _page = _pages.Current;
            _index = -1;
            _next = _pages.MoveNextAsync().AsTask();
        }

        _line++;
        return true;
    }

    public override ReadOnlySpan<char> Value(int column) =>
        column == 0 && _index >= 0 && _index < _page.Count ? _page[_index].UserId : [];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _next?.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }

            _pages.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}
