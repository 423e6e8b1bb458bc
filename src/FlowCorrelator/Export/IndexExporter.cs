using System.Collections.Immutable;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using Parquet;
using Parquet.Schema;

namespace FlowCorrelator.Export;

/// <summary>
/// Writes an <see cref="EnvironmentIndex"/> as Parquet tables (see <see cref="ExportSchema"/> and
/// docs/export-schema.md), so the five questions can run as SQL next to the raw flow logs (Athena, Trino, DuckDB).
/// Interval tables come from the index's timelines, with consecutive segments that hold the same fact merged into one
/// row, so every (key, instant) pair is covered by at most one row.
/// </summary>
/// <threadsafety>Stateless; calls may run concurrently on different directories.</threadsafety>
public static class IndexExporter
{
    /// <summary>
    /// Writes one Parquet file per table, as <c>&lt;directory&gt;/&lt;table&gt;/&lt;table&gt;.parquet</c> (one folder
    /// per table, because Athena and Trino tables point at folders).
    /// </summary>
    /// <returns>Rows written per table name.</returns>
    public static IReadOnlyDictionary<string, int> Export(EnvironmentIndex index, ScannerList scanners, string directory)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(scanners);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((ExportTable table, List<object?[]> rows) in BuildTables(index, scanners))
        {
            string folder = Path.Combine(directory, table.Name);
            Directory.CreateDirectory(folder);
            using (var file = new FileStream(Path.Combine(folder, table.Name + ".parquet"), FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                WriteAsync(file, table, rows).GetAwaiter().GetResult();
            }

            counts[table.Name] = rows.Count;
        }

        return counts;
    }

    /// <summary>Every table's rows (values in column order: string, int?, long?, bool, or UTC <see cref="DateTime"/>).</summary>
    internal static IEnumerable<(ExportTable Table, List<object?[]> Rows)> BuildTables(EnvironmentIndex index, ScannerList scanners)
    {
        var groupSets = new List<object?[]>();
        var attachments = new List<object?[]>();
        var addresses = new List<object?[]>();
        var prefixes = new List<object?[]>();
        var eniGroups = new List<object?[]>();
        var tagIntervals = new Dictionary<(string Instance, string Key, string Value), List<(long From, long To)>>();
        foreach ((EniId eni, ReadOnlyMemory<long> times, IReadOnlyList<InterfaceState> states) in index.InterfaceHistories())
        {
            string id = eni.ToString();
            long[] t = times.ToArray();
            foreach ((string groups, long from, long to) in Runs(t, states, s => s.Exists ? new[] { s.GroupsKey } : []))
            {
                groupSets.Add([id, groups, Time(from), Time(to)]);
            }

            foreach (((string Instance, bool Running) key, long from, long to) in Runs(t, states, s => s is { Exists: true, InstanceId: { } i } ? new[] { (Instance: i, Running: s.InstanceRunning) } : []))
            {
                attachments.Add([id, key.Instance, key.Running, Time(from), Time(to)]);
            }

            foreach ((IpAddr ip, long from, long to) in Runs(t, states, s => s.Exists ? s.Addresses : []))
            {
                addresses.Add([id, ip.ToString(), ip.IsV4 ? (long?)ip.V4 : null, Time(from), Time(to)]);
            }

            foreach ((IpNetwork prefix, long from, long to) in Runs(t, states, s => s.Exists ? s.Prefixes : []))
            {
                prefixes.Add([id, prefix.ToString(), prefix.IsV4 ? (long?)prefix.First.V4 : null, prefix.IsV4 ? (long?)prefix.Last.V4 : null, Time(from), Time(to)]);
            }

            foreach ((string group, long from, long to) in Runs(t, states, s => s.Exists ? s.Groups : []))
            {
                eniGroups.Add([id, group, Time(from), Time(to)]);
            }

        }

        // Tags and running states from each instance's own timeline: the same tags the attachments saw while attached,
        // and the instance's state when the evidence links it to no interface.
        var instanceStates = new List<object?[]>();
        foreach ((InstanceKey _, long[] t, InstanceState[] states) in index.InstanceHistories())
        {
            foreach (((string Instance, string Key, string Value) key, long from, long to) in Runs(t, states, s => s.Tags.Select(kv => (s.InstanceId, kv.Key, kv.Value))))
            {
                if (!tagIntervals.TryGetValue(key, out var list))
                {
                    tagIntervals[key] = list = [];
                }

                list.Add((from, to));
            }

            foreach (((string Instance, bool Running, bool Known) key, long from, long to) in Runs(t, states, s => new[] { (s.InstanceId, s.Running, s.RunningKnown) }))
            {
                instanceStates.Add([key.Instance, key.Running, key.Known, Time(from), Time(to)]);
            }
        }

        yield return (ExportSchema.EniGroupSets, groupSets);
        yield return (ExportSchema.EniAttachments, attachments);
        yield return (ExportSchema.EniAddresses, addresses);
        yield return (ExportSchema.EniPrefixes, prefixes);
        yield return (ExportSchema.InstanceTags, InstanceTagRows(tagIntervals));
        yield return (ExportSchema.InstanceStates, instanceStates);
        yield return (ExportSchema.EniGroups, eniGroups);
        yield return (ExportSchema.GroupRules, GroupRuleRows(index));
        yield return (ExportSchema.Groups, [.. index.Groups.Select(g => new object?[]
        {
            g.GroupId, g.GroupName, g.CreatedInEvidence, g.AttachEvidence, g.EverOnInterface, g.DeletedAt is long d ? Time(d) : null,
        })]);
        yield return (ExportSchema.RuleInventory, [.. index.Groups.SelectMany(g => g.Rules.Select(r => InventoryRow(g, r)))]);
        yield return (ExportSchema.RuleChanges, [.. Investigations.RuleChanges(index).Select((c, i) => new object?[]
        {
            (long)i, c.Time.UtcDateTime, c.EventId, c.EventName, c.Change.ToWireName(), c.GroupId, c.RuleId, c.Direction, c.Protocol, c.FromPort, c.ToPort,
            c.Cidr, c.ReferencedGroupId, c.PrefixListId, c.Actor, c.SourceIp, c.OpensToWorld, string.Join(',', c.Risks), c.GroupName, c.GroupUnresolved,
        })]);
        yield return (ExportSchema.GroupAttachments, [.. Investigations.GroupAttachments(index).Select((a, i) => new object?[]
        {
            (long)i, a.Time.UtcDateTime, a.EventId, a.EventName, a.InterfaceId, a.InstanceId,
            string.Join(',', a.GroupsBefore), string.Join(',', a.GroupsAfter), string.Join(',', a.Added), string.Join(',', a.Removed), a.Actor,
            a.GroupsBeforeUnknown,
        })]);
        yield return (ExportSchema.Scanners, [.. scanners.Networks.Select(n => new object?[]
        {
            n.ToString(), n.IsV4 ? 4 : 6, n.IsV4 ? (long?)n.First.V4 : null, n.IsV4 ? (long?)n.Last.V4 : null, scanners.Version,
        })]);
    }

    /// <summary>
    /// Index time (Unix seconds; <c>long.MinValue / 2</c> for snapshot state, <c>long.MaxValue</c> for open ends) as
    /// an exported UTC timestamp, with the documented sentinels for both open ends.
    /// </summary>
    internal static DateTime Time(long unixSeconds) =>
        unixSeconds == long.MaxValue ? ExportSchema.OpenEnd
        : unixSeconds <= 0 ? ExportSchema.OpenStart
        : DateTime.UnixEpoch.AddSeconds(unixSeconds);

    /// <summary>
    /// Merges a timeline into maximal runs per key: a key present in consecutive segments yields one interval. The
    /// last segment is open (<c>long.MaxValue</c>). Runs come out ordered by start, then by key order of appearance.
    /// </summary>
    private static List<(TKey Key, long From, long To)> Runs<TState, TKey>(long[] times, IReadOnlyList<TState> states, Func<TState, IEnumerable<TKey>> keys)
        where TKey : notnull
    {
        var result = new List<(TKey, long, long)>();
        var open = new Dictionary<TKey, long>();
        var order = new List<TKey>();
        for (int k = 0; k < times.Length; k++)
        {
            var present = new HashSet<TKey>(keys(states[k]));
            foreach (TKey key in order.Where(key => !present.Contains(key)).ToList())
            {
                result.Add((key, open[key], times[k]));
                open.Remove(key);
                order.Remove(key);
            }

            foreach (TKey key in keys(states[k]))
            {
                if (open.TryAdd(key, times[k]))
                {
                    order.Add(key);
                }
            }
        }

        foreach (TKey key in order)
        {
            result.Add((key, open[key], long.MaxValue));
        }

        result.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return result;
    }

    /// <summary>
    /// An instance's tags are recorded in the state of every interface attached to it, and all of them change
    /// together (a tag change marks each attached interface); the union of the per-interface intervals is therefore
    /// the tag's validity while the instance has any interface, which is all a join through an attachment can ask.
    /// </summary>
    private static List<object?[]> InstanceTagRows(Dictionary<(string Instance, string Key, string Value), List<(long From, long To)>> intervals)
    {
        var rows = new List<object?[]>();
        foreach (var kv in intervals.OrderBy(kv => kv.Key.Instance, StringComparer.Ordinal).ThenBy(kv => kv.Key.Key, StringComparer.Ordinal).ThenBy(kv => kv.Key.Value, StringComparer.Ordinal))
        {
            List<(long From, long To)> list = [.. kv.Value.OrderBy(i => i.From)];
            (long from, long to) = list[0];
            foreach ((long f, long t) in list.Skip(1))
            {
                if (f <= to)
                {
                    to = Math.Max(to, t);
                    continue;
                }

                rows.Add([kv.Key.Instance, kv.Key.Key, kv.Key.Value, Time(from), Time(to)]);
                (from, to) = (f, t);
            }

            rows.Add([kv.Key.Instance, kv.Key.Key, kv.Key.Value, Time(from), Time(to)]);
        }

        return rows;
    }

    private static List<object?[]> GroupRuleRows(EnvironmentIndex index)
    {
        var rows = new List<object?[]>();
        foreach ((string groupId, long[] times, RuleDefinition[][] rules) in index.IngressRuleHistories())
        {
            // A rule whose definition changes (ModifySecurityGroupRules) starts a new row: the key is the definition.
            foreach ((RuleKey key, long from, long to) in Runs(times, rules, set => set.Select(r => new RuleKey(r))))
            {
                RuleDefinition r = key.Rule;
                IpNetwork? n = r.Network;
                rows.Add(
                [
                    r.RuleId, groupId, "ingress", r.Protocol, r.FromPort, r.ToPort, r.Spec.Cidr,
                    n is { IsV4: true } v4 ? (long?)v4.First.V4 : null, n is { IsV4: true } v4b ? (long?)v4b.Last.V4 : null,
                    n is { IsV4: false }, n?.PrefixLength, n is { IsV4: false } v6 ? v6.First.ToString() : null,
                    r.Spec.ReferencedGroupId, r.Spec.PrefixListId, Time(from), Time(to),
                ]);
            }
        }

        return rows;
    }

    private static object?[] InventoryRow(GroupRecord g, RuleHistory r)
    {
        SecurityGroupRuleSpec last = r.Definitions[^1];
        return
        [
            r.RuleId, g.GroupId, r.IsEgress, last.Protocol, SecurityGroupRuleSpec.ProtocolName(last.Protocol), last.FromPort, last.ToPort,
            last.Cidr, last.ReferencedGroupId, last.PrefixListId, Time(r.AddedAt), r.RemovedAt is long removed ? Time(removed) : null,
        ];
    }

    private static async Task WriteAsync(Stream output, ExportTable table, List<object?[]> rows)
    {
        var fields = new DataField[table.Columns.Length];
        for (int c = 0; c < fields.Length; c++)
        {
            ExportColumn col = table.Columns[c];
            fields[c] = col.Type switch
            {
                // Millisecond timestamps without the UTC flag: Athena reads them as TIMESTAMP, and DuckDB as TIMESTAMP
                // (not TIMESTAMPTZ), so comparisons with epoch-second conversions never depend on a session zone.
                ExportColumnType.Timestamp => new DateTimeDataField(col.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit: DateTimeTimeUnit.Millis, isNullable: col.Nullable),
                ExportColumnType.Int32 => new DataField(col.Name, typeof(int), isNullable: col.Nullable),
                ExportColumnType.Int64 => new DataField(col.Name, typeof(long), isNullable: col.Nullable),
                ExportColumnType.Boolean => new DataField(col.Name, typeof(bool), isNullable: col.Nullable),
                _ => new DataField(col.Name, typeof(string), isNullable: col.Nullable),
            };
        }

        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Gzip };
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, options).ConfigureAwait(false);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        for (int c = 0; c < fields.Length; c++)
        {
            ExportColumn col = table.Columns[c];
            DataField field = fields[c];
            switch (col.Type)
            {
                case ExportColumnType.Timestamp:
                    await WriteColumn<DateTime>(group, field, col, rows, c).ConfigureAwait(false);
                    break;
                case ExportColumnType.Int32:
                    await WriteColumn<int>(group, field, col, rows, c).ConfigureAwait(false);
                    break;
                case ExportColumnType.Int64:
                    await WriteColumn<long>(group, field, col, rows, c).ConfigureAwait(false);
                    break;
                case ExportColumnType.Boolean:
                    await WriteColumn<bool>(group, field, col, rows, c).ConfigureAwait(false);
                    break;
                default:
                    string?[] text = [.. rows.Select(r => (string?)r[c])];
                    await group.WriteAsync(field, text!).ConfigureAwait(false);
                    break;
            }
        }

        group.CompleteValidate();
    }

    private static async Task WriteColumn<T>(ParquetRowGroupWriter group, DataField field, ExportColumn col, List<object?[]> rows, int c)
        where T : struct
    {
        if (col.Nullable)
        {
            T?[] values = [.. rows.Select(r => r[c] is T v ? v : (T?)null)];
            await group.WriteAsync<T>(field, values.AsMemory()).ConfigureAwait(false);
        }
        else
        {
            T[] values = [.. rows.Select(r => r[c] is T v ? v : throw new InvalidOperationException($"{field.Name}: null in a required column."))];
            await group.WriteAsync<T>(field, values.AsMemory()).ConfigureAwait(false);
        }
    }

    /// <summary>A rule and its definition, equal when id and every matching-relevant field are equal.</summary>
    private readonly struct RuleKey(RuleDefinition rule) : IEquatable<RuleKey>
    {
        public RuleDefinition Rule { get; } = rule;

        public bool Equals(RuleKey other) =>
            Rule.RuleId == other.Rule.RuleId && Rule.Protocol == other.Rule.Protocol && Rule.FromPort == other.Rule.FromPort && Rule.ToPort == other.Rule.ToPort &&
            Rule.Spec.Cidr == other.Rule.Spec.Cidr && Rule.Spec.ReferencedGroupId == other.Rule.Spec.ReferencedGroupId && Rule.Spec.PrefixListId == other.Rule.Spec.PrefixListId;

        public override bool Equals(object? obj) => obj is RuleKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(Rule.RuleId, Rule.Protocol, Rule.FromPort, Rule.ToPort, Rule.Spec.Cidr, Rule.Spec.ReferencedGroupId);
    }
}
