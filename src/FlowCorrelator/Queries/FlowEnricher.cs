using System.Runtime.CompilerServices;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// Turns flow records into <see cref="EnrichedFlow"/>s against an index, for one thread of a pass: one interface
/// lookup per record (through a small cache of recent states, as the one pass does), one reused
/// <see cref="EnrichedFlow"/>, and the text columns copied out of the line only when asked for.
/// </summary>
/// <threadsafety>One instance per thread; the index and scanner list may be shared.</threadsafety>
public sealed class FlowEnricher
{
    private const int CacheBits = 8;

    private readonly EnvironmentIndex _index;
    private readonly CachedState[] _cache = new CachedState[1 << CacheBits];
    private readonly FlowField[] _textFields;
    private int[] _columns = [];
    private FlowLogSchema? _schema;

    /// <summary>An enricher over <paramref name="index"/>.</summary>
    /// <param name="index">The index the records are read against.</param>
    /// <param name="scanners">Known scanners (the <see cref="EnrichedFlow.Scanner"/> flag).</param>
    /// <param name="textFields">
    /// The text columns to copy from each line (<see cref="EnrichedFlow.SubnetId"/>, ECS fields, …): null for all of
    /// them, empty for none (reading one that was not asked for throws). Typed and enriched fields are always there.
    /// </param>
    public FlowEnricher(EnvironmentIndex index, ScannerList scanners, IEnumerable<FlowField>? textFields = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(scanners);
        _index = index;
        _textFields = textFields is null ? [.. EnrichedFlow.TextColumns.Select(c => c.Field)] : [.. textFields.Distinct()];
        ulong mask = 0;
        foreach (FlowField f in _textFields)
        {
            mask |= 1UL << (int)f;
        }

        Current = new EnrichedFlow(index, scanners, mask);
    }

    /// <summary>The reused record the last <see cref="Enrich(in FlowRecord, in FlowLine)"/> filled.</summary>
    public EnrichedFlow Current { get; }

    /// <summary>Enriches a record read from a file (the line gives the text columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EnrichedFlow Enrich(in FlowRecord record, in FlowLine line)
    {
        Current.Set(record, StateAt(record.InterfaceId, record.Start));
        if (_textFields.Length > 0)
        {
            CopyText(line);
        }

        return Current;
    }

    /// <summary>Enriches a record without a line (text columns are null).</summary>
    public EnrichedFlow Enrich(in FlowRecord record)
    {
        Current.Set(record, StateAt(record.InterfaceId, record.Start));
        foreach (FlowField f in _textFields)
        {
            Current.SetText(f, null);
        }

        return Current;
    }

    private void CopyText(in FlowLine line)
    {
        if (!ReferenceEquals(line.Schema, _schema))
        {
            _schema = line.Schema;
            _columns = [.. _textFields.Select(line.Schema.IndexOf)];
        }

        for (int i = 0; i < _textFields.Length; i++)
        {
            int c = _columns[i];
            Current.SetText(_textFields[i], c < 0 ? null : line.GetText(c));
        }
    }

    /// <summary>The interface's state at <paramref name="start"/>, through a direct-mapped cache of states and their validity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private InterfaceState? StateAt(EniId eni, long start)
    {
        int slot = (int)(((eni.Low ^ eni.High) * 0x9E3779B97F4A7C15UL) >> (64 - CacheBits));
        ref CachedState c = ref _cache[slot];
        if (c.Valid && c.Low == eni.Low && c.High == eni.High && start >= c.From && start < c.To)
        {
            return c.State;
        }

        InterfaceState? state = _index.InterfaceAt(eni, start, out long from, out long to);
        c = state is null ? default : new CachedState { Valid = true, High = eni.High, Low = eni.Low, From = from, To = to, State = state };
        return state;
    }

    private struct CachedState
    {
        public bool Valid;
        public ulong High;
        public ulong Low;
        public long From;
        public long To;
        public InterfaceState? State;
    }
}
