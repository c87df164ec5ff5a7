namespace CohortSync.Core.Ports;

/// <summary>
/// What a send settled, request by request: the changes each answered request carried, and which of them the destination
/// refused. A connector records each request once the destination has answered it; when the send then fails, the send
/// activity stores what was settled, so the engine's retry sends only the rest and the commit knows exactly which members'
/// delivery is uncertain (the rest of the batch: a request in flight when the send failed may or may not have landed).
/// </summary>
public sealed class DeliveryLog
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _settled = [];
    private readonly Dictionary<int, MemberRejection> _rejections = [];

    /// <summary>How many changes are settled.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _settled.Count;
            }
        }
    }

    /// <summary>Records that the destination answered for these changes: accepted unless among <paramref name="rejections"/>.</summary>
    public void Settle(IEnumerable<int> indexes, IEnumerable<MemberRejection>? rejections = null)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        lock (_gate)
        {
            _settled.UnionWith(indexes);
            foreach (var rejection in rejections ?? [])
            {
                _settled.Add(rejection.Index);
                _rejections.TryAdd(rejection.Index, rejection);
            }
        }
    }

    /// <summary>The settled changes' positions, in order.</summary>
    public IReadOnlyList<int> SettledIndexes()
    {
        lock (_gate)
        {
            return [.. _settled.Order()];
        }
    }

    /// <summary>The refusals among them, in order.</summary>
    public IReadOnlyList<MemberRejection> Rejections()
    {
        lock (_gate)
        {
            return [.. _rejections.Values.OrderBy(r => r.Index)];
        }
    }
}
