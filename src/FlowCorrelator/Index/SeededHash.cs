using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace FlowCorrelator.Index;

/// <summary>
/// Hash of a 16-byte key (an <see cref="IpAddr"/> or <see cref="EniId"/>) for the per-record tables. Addresses and
/// interface ids come from log content an attacker may shape, so the hash is keyed with a per-process random seed:
/// without it, chosen sources could all land in one bucket and turn every probe into a long scan (hash flooding).
/// </summary>
internal static class SeededHash
{
    private static readonly ulong s_seedHigh = RandomSeed();
    private static readonly ulong s_seedLow = RandomSeed();

    // The inner round for a zero high half (every IPv4 address), precomputed: same function, one round fewer.
    private static readonly ulong s_zeroHighKey = s_seedLow ^ Fmix(s_seedHigh);

    /// <summary>
    /// Two rounds of the MurmurHash3 64-bit finalizer: the high half is mixed before it meets the low half, so no
    /// linear relation between the halves (such as equal <c>high ^ low</c>) makes keys collide whatever the seed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ulong high, ulong low) =>
        Fmix(low ^ (high == 0 ? s_zeroHighKey : s_seedLow ^ Fmix(high ^ s_seedHigh)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }

    private static ulong RandomSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}

/// <summary>
/// A read-only map from a 16-byte key to a value, built once when the index is frozen: open addressing with linear
/// probing over a table at most half full, keyed by <see cref="SeededHash"/>. One hash and usually one compare per
/// lookup, where a <c>Dictionary</c> or <c>FrozenDictionary</c> over a struct key goes through its comparer.
/// </summary>
internal sealed class Key128Map<TValue>
    where TValue : class
{
    private readonly int[] _slots; // 0 = empty, else entry index + 1
    private readonly Entry[] _entries;
    private readonly int _mask;

    public Key128Map(IReadOnlyCollection<(ulong High, ulong Low, TValue Value)> items)
    {
        int capacity = 4;
        while (capacity < items.Count * 2)
        {
            capacity <<= 1;
        }

        _slots = new int[capacity];
        _entries = new Entry[items.Count];
        _mask = capacity - 1;
        int n = 0;
        foreach ((ulong high, ulong low, TValue value) in items)
        {
            int i = (int)SeededHash.Hash(high, low) & _mask;
            while (_slots[i] != 0)
            {
                if (_entries[_slots[i] - 1].High == high && _entries[_slots[i] - 1].Low == low)
                {
                    throw new ArgumentException("Duplicate key.", nameof(items));
                }

                i = (i + 1) & _mask;
            }

            _entries[n] = new Entry(high, low, value);
            _slots[i] = ++n;
        }
    }

    /// <summary>The value for the key, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TValue? Find(ulong high, ulong low)
    {
        int[] slots = _slots;
        int i = (int)SeededHash.Hash(high, low) & _mask;
        while (true)
        {
            int s = slots[i];
            if (s == 0)
            {
                return null;
            }

            ref readonly Entry e = ref _entries[s - 1];
            if (e.High == high && e.Low == low)
            {
                return e.Value;
            }

            i = (i + 1) & _mask;
        }
    }

    private readonly record struct Entry(ulong High, ulong Low, TValue Value);
}
