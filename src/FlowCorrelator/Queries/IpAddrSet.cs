using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>
/// An add-only set of addresses (question 5's distinct sources per rule): open addressing with linear probing over two
/// parallel arrays, at most half full. Sources are attacker-controlled log content, so slots come from
/// <see cref="SeededHash"/> (per-process random seed), never from the raw address bits.
/// </summary>
internal sealed class IpAddrSet
{
    private const int InitialCapacity = 16;

    // A slot holding (0, 0) is empty; the absent address, which is (0, 0), is tracked by its own flag.
    private ulong[] _highs = new ulong[InitialCapacity];
    private ulong[] _lows = new ulong[InitialCapacity];
    private bool _hasNone;
    private int _used;

    /// <summary>Number of distinct addresses.</summary>
    public int Count => _used + (_hasNone ? 1 : 0);

    /// <summary>Adds the address; true when it was new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(IpAddr address) => Add(address.High, address.Low);

    /// <summary>Adds every address of <paramref name="other"/>.</summary>
    public void UnionWith(IpAddrSet other)
    {
        ulong[] highs = other._highs;
        ulong[] lows = other._lows;
        for (int i = 0; i < highs.Length; i++)
        {
            if ((highs[i] | lows[i]) != 0)
            {
                Add(highs[i], lows[i]);
            }
        }

        _hasNone |= other._hasNone;
    }

    private bool Add(ulong high, ulong low)
    {
        if ((high | low) == 0)
        {
            bool added = !_hasNone;
            _hasNone = true;
            return added;
        }

        ulong[] highs = _highs;
        ulong[] lows = _lows;
        int mask = highs.Length - 1;
        int i = (int)SeededHash.Hash(high, low) & mask;
        while (true)
        {
            if (lows[i] == low && highs[i] == high)
            {
                return false;
            }

            if ((highs[i] | lows[i]) == 0)
            {
                break;
            }

            i = (i + 1) & mask;
        }

        highs[i] = high;
        lows[i] = low;
        if (++_used * 2 > highs.Length)
        {
            Grow();
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        ulong[] oldHighs = _highs;
        ulong[] oldLows = _lows;
        _highs = new ulong[oldHighs.Length * 2];
        _lows = new ulong[oldLows.Length * 2];
        _used = 0;
        for (int i = 0; i < oldHighs.Length; i++)
        {
            if ((oldHighs[i] | oldLows[i]) != 0)
            {
                Add(oldHighs[i], oldLows[i]);
            }
        }
    }
}
