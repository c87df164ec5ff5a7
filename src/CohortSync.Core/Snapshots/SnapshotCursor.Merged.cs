namespace CohortSync.Core.Snapshots;

// The cursor over a base and its deltas.
public abstract partial class SnapshotCursor
{
    // Merges segments oldest first; for equal keys the latest segment wins. Cursors that matched the yielded key are
    // advanced at the next MoveNext, so the winner's spans stay valid until then.
    private sealed class MergedCursor : SnapshotCursor
    {
        private readonly SnapshotCursor[] _segments;
        private readonly bool[] _live;
        private readonly bool[] _matched;
        private SnapshotCursor? _current;
        private bool _started;

        public MergedCursor(IReadOnlyList<SnapshotCursor> segments)
        {
            _segments = [.. segments];
            _live = new bool[_segments.Length];
            _matched = new bool[_segments.Length];
        }

        public override ReadOnlySpan<byte> Key => _current!.Key;

        public override ReadOnlySpan<byte> Payload => _current!.Payload;

        public override bool HasPayload => _current!.HasPayload;

        public override bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                for (var s = 0; s < _segments.Length; s++)
                {
                    _live[s] = _segments[s].MoveNext();
                }
            }

            while (true)
            {
                for (var s = 0; s < _segments.Length; s++)
                {
                    if (_matched[s])
                    {
                        _matched[s] = false;
                        _live[s] = _segments[s].MoveNext();
                    }
                }

                // The smallest key among live segments; the latest segment holding it wins.
                var winner = -1;
                for (var s = 0; s < _segments.Length; s++)
                {
                    if (!_live[s])
                    {
                        continue;
                    }

                    var c = winner < 0 ? -1 : Utf8Keys.Compare(_segments[s].Hash, _segments[s].Key, _segments[winner].Hash, _segments[winner].Key);
                    if (c <= 0)
                    {
                        if (c < 0)
                        {
                            Array.Clear(_matched);
                        }

                        winner = s;
                        _matched[s] = true;
                    }
                }

                if (winner < 0)
                {
                    _current = null;
                    return false;
                }

                _current = _segments[winner];
                if (_current.Kind == ChangeKind.Remove)
                {
                    continue;
                }

                Kind = _current.Kind == ChangeKind.Uncertain ? ChangeKind.Uncertain : ChangeKind.Add;
                Hash = _current.Hash;
                Record = _current.Record;
                Yielded++;
                return true;
            }
        }

        protected override void Dispose(bool disposing)
        {
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
