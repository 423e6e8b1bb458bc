using System.Collections.Immutable;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries.AdHoc;

/// <summary>
/// One thread's part of a query: enrich each record, filter it with the compiled delegate, and add it to its group's
/// totals. Totals are created once per group, never per record; <see cref="Merge"/> adds another thread's.
/// </summary>
internal sealed class QuerySink : IFlowRecordSink
{
    private readonly FlowQuery _query;
    private readonly FlowEnricher _enricher;
    private readonly long _from;
    private readonly long _to;
    private readonly Dictionary<GroupKey, GroupTotals> _groups = new(GroupKeyComparer.Instance);
    private readonly object?[] _scratch;
    private GroupTotals? _single;

    public QuerySink(FlowQuery query, Index.EnvironmentIndex index, InvestigationOptions options)
    {
        _query = query;
        _enricher = new FlowEnricher(index, options.Scanners, query.TextFields);
        _from = options.From?.ToUnixTimeSeconds() ?? long.MinValue;
        _to = options.To?.ToUnixTimeSeconds() ?? long.MaxValue;
        _scratch = new object?[query.Keys.Length];
    }

    /// <summary>Records in the window offered to the filter.</summary>
    public long Offered { get; private set; }

    /// <summary>Records the filter kept.</summary>
    public long Matched { get; private set; }

    public void OnRecord(in FlowRecord record, in FlowLine line)
    {
        if (record.Start < _from || record.Start >= _to)
        {
            return;
        }

        Add(_enricher.Enrich(record, line));
    }

    public void Add(in FlowRecord record)
    {
        if (record.Start < _from || record.Start >= _to)
        {
            return;
        }

        Add(_enricher.Enrich(record));
    }

    private void Add(EnrichedFlow flow)
    {
        Offered++;
        if (_query.Filter is { } filter && !filter(flow))
        {
            return;
        }

        Matched++;
        GroupTotals totals;
        if (_scratch.Length == 0)
        {
            totals = _single ??= new GroupTotals(_query.Aggregates);
        }
        else
        {
            ImmutableArray<QueryKey> keys = _query.Keys;
            for (int i = 0; i < _scratch.Length; i++)
            {
                _scratch[i] = keys[i].Value(flow);
            }

            var probe = new GroupKey(_scratch);
            if (!_groups.TryGetValue(probe, out totals!))
            {
                totals = new GroupTotals(_query.Aggregates);
                _groups.Add(new GroupKey([.. _scratch]), totals);
            }
        }

        totals.Add(flow, _query.Aggregates);
    }

    public void Merge(QuerySink other)
    {
        Offered += other.Offered;
        Matched += other.Matched;
        if (other._single is { } theirs)
        {
            if (_single is null)
            {
                _single = theirs;
            }
            else
            {
                _single.Merge(theirs, _query.Aggregates);
            }
        }

        foreach (KeyValuePair<GroupKey, GroupTotals> kv in other._groups)
        {
            if (_groups.TryGetValue(kv.Key, out GroupTotals? mine))
            {
                mine.Merge(kv.Value, _query.Aggregates);
            }
            else
            {
                _groups.Add(kv.Key, kv.Value);
            }
        }
    }

    public FlowQueryResult Result()
    {
        ImmutableArray<QueryAggregate> aggregates = _query.Aggregates;
        var rows = new List<object?[]>();
        if (_query.Keys.Length == 0)
        {
            rows.Add(Row([], _single ?? new GroupTotals(aggregates), aggregates));
        }
        else
        {
            foreach (KeyValuePair<GroupKey, GroupTotals> kv in _groups)
            {
                rows.Add(Row(kv.Key.Values, kv.Value, aggregates));
            }
        }

        var comparer = new RowComparer(_query.Order);
        rows.Sort(comparer);
        if (_query.Limit > 0 && rows.Count > _query.Limit)
        {
            rows.RemoveRange(_query.Limit, rows.Count - _query.Limit);
        }

        return new FlowQueryResult(_query.Columns, [.. rows.Select(r => r.ToImmutableArray())], Offered, Matched);
    }

    private static object?[] Row(object?[] keys, GroupTotals totals, ImmutableArray<QueryAggregate> aggregates)
    {
        var row = new object?[keys.Length + aggregates.Length];
        keys.CopyTo(row, 0);
        for (int a = 0; a < aggregates.Length; a++)
        {
            row[keys.Length + a] = totals.Value(a, aggregates[a]);
        }

        return row;
    }

    /// <summary>A group's running totals: one slot per aggregate.</summary>
    private sealed class GroupTotals
    {
        private readonly long[] _values;
        private readonly bool[] _seen;
        private readonly HashSet<object?>?[] _distinct;
        private long _count;

        public GroupTotals(ImmutableArray<QueryAggregate> aggregates)
        {
            _values = new long[aggregates.Length];
            _seen = new bool[aggregates.Length];
            _distinct = new HashSet<object?>?[aggregates.Length];
            for (int a = 0; a < aggregates.Length; a++)
            {
                if (aggregates[a].Function == AggregateKind.CountDistinct)
                {
                    _distinct[a] = [];
                }
            }
        }

        public void Add(EnrichedFlow flow, ImmutableArray<QueryAggregate> aggregates)
        {
            _count++;
            for (int a = 0; a < aggregates.Length; a++)
            {
                QueryAggregate agg = aggregates[a];
                switch (agg.Function)
                {
                    case AggregateKind.Count:
                        break;
                    case AggregateKind.CountDistinct:
                        _distinct[a]!.Add(agg.Value!(flow));
                        break;
                    default:
                        long v = agg.Number!(flow);
                        if (v < 0 && agg.Kind == QueryColumnKind.Number)
                        {
                            break; // -1 is an absent flow-log number; sum, min and max skip it
                        }

                        Fold(a, agg.Function, v);
                        break;
                }
            }
        }

        public void Merge(GroupTotals other, ImmutableArray<QueryAggregate> aggregates)
        {
            _count += other._count;
            for (int a = 0; a < aggregates.Length; a++)
            {
                if (aggregates[a].Function == AggregateKind.CountDistinct)
                {
                    _distinct[a]!.UnionWith(other._distinct[a]!);
                }
                else if (other._seen[a])
                {
                    Fold(a, aggregates[a].Function, other._values[a]);
                }
            }
        }

        public object? Value(int a, QueryAggregate agg) => agg.Function switch
        {
            AggregateKind.Count => _count,
            AggregateKind.CountDistinct => (long)_distinct[a]!.Count,
            AggregateKind.Sum => _values[a],
            _ when !_seen[a] => null,
            _ when agg.Kind == QueryColumnKind.Time => DateTimeOffset.FromUnixTimeSeconds(_values[a]),
            _ => _values[a],
        };

        private void Fold(int a, AggregateKind function, long v)
        {
            if (!_seen[a])
            {
                _seen[a] = true;
                _values[a] = v;
                return;
            }

            _values[a] = function switch
            {
                AggregateKind.Sum => _values[a] + v,
                AggregateKind.Min => Math.Min(_values[a], v),
                _ => Math.Max(_values[a], v),
            };
        }
    }

    private readonly struct GroupKey(object?[] values)
    {
        public object?[] Values { get; } = values;
    }

    private sealed class GroupKeyComparer : IEqualityComparer<GroupKey>
    {
        public static readonly GroupKeyComparer Instance = new();

        public bool Equals(GroupKey x, GroupKey y)
        {
            for (int i = 0; i < x.Values.Length; i++)
            {
                if (!Equals(x.Values[i], y.Values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(GroupKey key)
        {
            var hash = new HashCode();
            foreach (object? v in key.Values)
            {
                hash.Add(v);
            }

            return hash.ToHashCode();
        }
    }

    private sealed class RowComparer(ImmutableArray<(int Column, bool Descending)> order) : IComparer<object?[]>
    {
        public int Compare(object?[]? x, object?[]? y)
        {
            foreach ((int column, bool descending) in order)
            {
                int c = FlowQueryResult.CompareValues(x![column], y![column]);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            // Ties: every column in order, so the output never depends on thread timing.
            for (int i = 0; i < x!.Length; i++)
            {
                int c = FlowQueryResult.CompareValues(x[i], y![i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }
    }
}
