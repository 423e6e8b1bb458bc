using System.Collections.Frozen;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// Counts, per thread of the pass, how the OK records inside the window were attributed to instances and where a
/// record's <c>instance-id</c> or mapped tag field disagreed with the index (docs/semantics.md, "The flow record as
/// evidence"). Keeps the first <see cref="AttributionConflict.MaxListed"/> conflicts in (file, line) order.
/// </summary>
internal sealed class AttributionCounter
{
    private readonly TagFieldSlots? _slots;
    private readonly InstanceLookup _instances;
    private readonly List<AttributionConflict> _conflicts = [];

    // The index's tag values as records' fields would carry them: one lookup per distinct value, not per record.
    private readonly Dictionary<string, FlowTagValue> _tagValues = new(StringComparer.Ordinal);

    private long _byIndex;
    private long _byInstanceId;
    private long _unattributed;
    private long _instanceIdConflicts;
    private long _byTagField;
    private long _tagFieldConflicts;

    public AttributionCounter(TagFieldSlots? slots, InstanceLookup instances)
    {
        _slots = slots;
        _instances = instances;
    }

    public AttributionCounts Counts => new()
    {
        ByIndex = _byIndex,
        ByInstanceId = _byInstanceId,
        Unattributed = _unattributed,
        InstanceIdConflicts = _instanceIdConflicts,
        ByTagField = _byTagField,
        TagFieldConflicts = _tagFieldConflicts,
    };

    public IReadOnlyList<AttributionConflict> Conflicts => _conflicts;

    /// <summary>Counts one OK record inside the window; <paramref name="state"/> is its interface's existing state, or null.</summary>
    /// <remarks>Inlined into the pass: the common record (attached, no instance-id to compare, no tag fields) is one increment.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Count(InterfaceState? state, in FlowRecord record, string? file, long line)
    {
        if (state?.InstanceId is not null)
        {
            _byIndex++;
            if ((record.InstanceId.HasValue && record.InstanceId != state.InstanceKey) || _slots is not null)
            {
                CheckAttached(state, record, file, line);
            }
        }
        else if (record.InstanceId.HasValue)
        {
            _byInstanceId++;
            if (_slots is not null)
            {
                CountTagFields(_instances.At(record.InstanceId, record.Start)?.Tags ?? FrozenDictionary<string, string>.Empty, record, file, line);
            }
        }
        else
        {
            _unattributed++;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void CheckAttached(InterfaceState state, in FlowRecord record, string? file, long line)
    {
        if (record.InstanceId.HasValue && record.InstanceId != state.InstanceKey)
        {
            _instanceIdConflicts++;
            Conflict(file, line, record, "instance-id", record.InstanceId.ToString(), state.InstanceId!);
        }

        if (_slots is not null)
        {
            CountTagFields(state.InstanceTags, record, file, line);
        }
    }

    public void Merge(AttributionCounter other)
    {
        _byIndex += other._byIndex;
        _byInstanceId += other._byInstanceId;
        _unattributed += other._unattributed;
        _instanceIdConflicts += other._instanceIdConflicts;
        _byTagField += other._byTagField;
        _tagFieldConflicts += other._tagFieldConflicts;
        foreach (AttributionConflict c in other._conflicts)
        {
            Keep(c);
        }
    }

    private void CountTagFields(FrozenDictionary<string, string> tags, in FlowRecord record, string? file, long line)
    {
        if (tags.Count == 0)
        {
            if (_slots!.AnyValue(record))
            {
                _byTagField++;
            }

            return;
        }

        bool conflict = false;
        foreach ((int slot, string key) in _slots!.Mapped)
        {
            FlowTagValue value = TagFieldSlots.Slot(record, slot);
            if (!value.HasValue || value.IsUnreadable)
            {
                continue; // no statement, or one the engine did not keep (FlowTagValue's limits): never a disagreement
            }

            tags.TryGetValue(key, out string? indexValue);
            if (indexValue is null || value != IndexValue(indexValue))
            {
                conflict = true;
                Conflict(file, line, record, $"{TagFieldMapping.Fields[slot]} ({key})", value.ToString(), indexValue ?? "-");
            }
        }

        if (conflict)
        {
            _tagFieldConflicts++;
        }
    }

    private FlowTagValue IndexValue(string text)
    {
        if (!_tagValues.TryGetValue(text, out FlowTagValue value))
        {
            value = FlowTagValue.Of(text);
            _tagValues[text] = value;
        }

        return value;
    }

    private void Conflict(string? file, long line, in FlowRecord record, string field, string recordValue, string indexValue)
    {
        // Threads read files in any order: keep this thread's first conflicts in (file, line) order, so the merged
        // list is the same whatever the scheduling. A conflict after the last kept one is only counted.
        if (_conflicts.Count >= AttributionConflict.MaxListed)
        {
            AttributionConflict last = _conflicts[^1];
            int c = string.CompareOrdinal(file, last.File);
            if (c > 0 || (c == 0 && line > last.Line))
            {
                return;
            }
        }

        Keep(new AttributionConflict(file, line, record.InterfaceId.ToString(), DateTimeOffset.FromUnixTimeSeconds(record.Start), field, recordValue, indexValue));
    }

    private void Keep(AttributionConflict conflict)
    {
        int at = _conflicts.BinarySearch(conflict, Comparer<AttributionConflict>.Create(AttributionConflict.Compare));
        _conflicts.Insert(at < 0 ? ~at : at, conflict);
        if (_conflicts.Count > AttributionConflict.MaxListed)
        {
            _conflicts.RemoveAt(_conflicts.Count - 1);
        }
    }
}
