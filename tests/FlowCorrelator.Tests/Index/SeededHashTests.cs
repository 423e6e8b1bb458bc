using System.Reflection;
using FlowCorrelator.Index;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// <see cref="SeededHash"/> against a plain re-implementation of its documented algorithm (two rounds of the
/// MurmurHash3 64-bit finalizer, the high half mixed with its seed before it meets the low half and the other seed),
/// its spread over table buckets for the key shapes an attacker controls, and <see cref="Key128Map{TValue}"/> against a
/// dictionary. The per-record tables (interface lookup, question 1's keys, question 5's distinct sources) depend on it.
/// </summary>
public sealed class SeededHashTests
{
    private static readonly ulong SeedHigh = Seed("s_seedHigh");
    private static readonly ulong SeedLow = Seed("s_seedLow");

    [Test]
    public void Hash_AnyKey_EqualsTheDocumentedAlgorithmWithTheProcessSeeds()
    {
        var random = new Random(1);
        foreach ((ulong high, ulong low) in Keys(random, 20_000))
        {
            ulong expected = Fmix64(low ^ SeedLow ^ Fmix64(high ^ SeedHigh));
            Assert.That(SeededHash.Hash(high, low), Is.EqualTo(expected), $"({high:x16}, {low:x16})");
            Assert.That(SeededHash.Hash(high, low), Is.EqualTo(expected), "the same key hashes the same every time");
        }
    }

    /// <summary>
    /// The finalizer is a bijection, so for one high half no two low halves collide: undoing it recovers the key.
    /// (Its inverse is built here from the algorithm: each xor-shift by 33 undoes itself, each multiply by the inverse.)
    /// </summary>
    [Test]
    public void Hash_ForOneHighHalf_IsInvertibleSoLowHalvesNeverCollide()
    {
        var random = new Random(2);
        foreach ((ulong high, ulong low) in Keys(random, 20_000))
        {
            ulong recovered = Unfmix64(SeededHash.Hash(high, low)) ^ SeedLow ^ Fmix64(high ^ SeedHigh);
            Assert.That(recovered, Is.EqualTo(low));
        }
    }

    [Test]
    public void Seeds_AreDrawnPerProcess_NotLeftAtZero()
    {
        // Zero seeds would make the hash a fixed public function: a chosen-collision list would work on every run.
        Assert.That(SeedHigh | SeedLow, Is.Not.Zero);
        Assert.That(SeedHigh, Is.Not.EqualTo(SeedLow));
    }

    /// <summary>
    /// Keys shaped as an attacker would shape log content — consecutive IPv4 sources, sources that differ only in the
    /// high half, keys with equal <c>high ^ low</c>, a /16 stepped by 65,536 — spread over 1,024 buckets (the low bits,
    /// as the tables take them) like random keys: 65,536 keys give 64 a bucket on average, and a bucket past 128 (eight
    /// standard deviations) would be a pile-up no seed produces by chance.
    /// </summary>
    [TestCaseSource(nameof(HostileShapes))]
    public void Hash_HostileKeyShapes_SpreadEvenlyOverBuckets(string shape, Func<int, (ulong High, ulong Low)> key)
    {
        Assert.That(MaxBucket(i => SeededHash.Hash(key(i).High, key(i).Low)), Is.LessThanOrEqualTo(128), shape);
    }

    /// <summary>The bucket check is able to fail: the raw low bits, or the same mix without the high round, pile up.</summary>
    [Test]
    public void Hash_BucketCheck_CatchesHashesThatPileUp()
    {
        Assert.That(MaxBucket(i => 0x0000_FFFF_0000_0000UL | ((ulong)i << 16)), Is.GreaterThan(128), "raw bits of a /16 stepped by 65,536");
        Assert.That(MaxBucket(i => Fmix64(((ulong)i << 40) ^ ((ulong)i << 40) ^ SeedLow)), Is.GreaterThan(128), "high ^ low without mixing the high half");
    }

    [Test]
    public void Key128Map_RandomKeys_FindsLikeADictionary()
    {
        var random = new Random(4);
        var reference = new Dictionary<(ulong, ulong), string>();
        foreach ((ulong high, ulong low) in Keys(random, 5_000))
        {
            reference.TryAdd((high, low), $"{high:x}/{low:x}");
        }

        var map = new Key128Map<string>([.. reference.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value))]);
        foreach (((ulong high, ulong low), string value) in reference)
        {
            Assert.That(map.Find(high, low), Is.SameAs(value));
        }

        foreach ((ulong high, ulong low) in Keys(new Random(5), 5_000))
        {
            Assert.That(map.Find(high, low), Is.EqualTo(reference.GetValueOrDefault((high, low))));
        }
    }

    [Test]
    public void Key128Map_DuplicateKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new Key128Map<string>([(1UL, 2UL, "a"), (3UL, 4UL, "b"), (1UL, 2UL, "c")]));
    }

    [Test]
    public void Key128Map_Empty_FindsNothing()
    {
        Assert.That(new Key128Map<string>([]).Find(0, 0), Is.Null);
    }

    private static IEnumerable<TestCaseData> HostileShapes()
    {
        yield return Shape("consecutive IPv4 sources", i => (0UL, 0x0000_FFFF_0A00_0000UL + (ulong)i));
        yield return Shape("an IPv4 /16 stepped by 65,536", i => (0UL, 0x0000_FFFF_0000_0000UL | ((ulong)i << 16)));
        yield return Shape("IPv6 sources differing in the high half only", i => (0x2001_0db8_0000_0000UL | ((ulong)i << 16), 1UL));
        yield return Shape("keys with equal high ^ low", i => ((ulong)i << 40, (ulong)i << 40));
        yield return Shape("interface ids counting up", i => (0x656E_692D_0000_0000UL, (ulong)i));
    }

    private static TestCaseData Shape(string name, Func<int, (ulong, ulong)> key) =>
        new TestCaseData(name, key).SetName($"Hash_HostileKeyShapes_SpreadEvenlyOverBuckets({name})");

    private static int MaxBucket(Func<int, ulong> hash)
    {
        int[] buckets = new int[1024];
        for (int i = 0; i < 65_536; i++)
        {
            buckets[(int)hash(i) & 1023]++;
        }

        return buckets.Max();
    }

    /// <summary>Random keys, a quarter of them IPv4 (high half zero: the hash's precomputed path).</summary>
    private static IEnumerable<(ulong High, ulong Low)> Keys(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ulong low = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            yield return random.Next(4) == 0 ? (0UL, 0x0000_FFFF_0000_0000UL | (uint)low) : ((ulong)random.NextInt64(), low);
        }
    }

    /// <summary>MurmurHash3's fmix64, as published.</summary>
    private static ulong Fmix64(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }

    private static ulong Unfmix64(ulong k)
    {
        k ^= k >> 33;
        k *= Inverse(0xC4CEB9FE1A85EC53UL);
        k ^= k >> 33;
        k *= Inverse(0xFF51AFD7ED558CCDUL);
        k ^= k >> 33;
        return k;
    }

    /// <summary>The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits).</summary>
    private static ulong Inverse(ulong odd)
    {
        ulong x = odd;
        for (int i = 0; i < 6; i++)
        {
            x *= 2 - (odd * x);
        }

        return x;
    }

    private static ulong Seed(string field) =>
        (ulong)typeof(SeededHash).GetField(field, BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
}
