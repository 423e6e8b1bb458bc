using System.Net;
using System.Numerics;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;

namespace FlowCorrelator.Tests.Queries;

/// <summary>
/// <see cref="ScannerList"/> lookups (merged ranges, the IPv4 /16 bitmap, the binary search) against a linear scan
/// over the CIDRs as <see cref="NaiveCidr"/> parses them. Question 1's <c>scanner</c> flag, question 5's noise and
/// the scenario generator's source pools all depend on it.
/// </summary>
public sealed class ScannerListTests
{
    [Test]
    public void Contains_RandomListsOfOverlappingNestedAndAdjacentRanges_AgreesWithLinearScan()
    {
        var random = new Random(2026);
        var mismatches = new List<string>();
        int hits = 0, probes = 0;
        for (int list = 0; list < 150; list++)
        {
            string[] cidrs = [.. Enumerable.Range(0, random.Next(1, 30)).Select(_ => RandomCidr(random))];
            (int h, int p) = Check(cidrs, Probes(random, cidrs), mismatches);
            hits += h;
            probes += p;
        }

        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} disagreements; first: {mismatches.FirstOrDefault()}");
        Assert.That(hits, Is.InRange(probes / 4, probes * 3 / 4), "the probes land both inside and outside the lists");
    }

    /// <summary>The shipped data file, line by line, against the list built from it.</summary>
    [Test]
    public void BuiltIn_EveryRangeOfTheDataFile_AgreesWithLinearScan()
    {
        using Stream stream = typeof(ScannerList).Assembly.GetManifestResourceStream("FlowCorrelator.Data.scanners.txt")!;
        string text = new StreamReader(stream).ReadToEnd();
        string[] cidrs = [.. text.Split('\n').Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0)];
        string version = text.Split('\n').Single(l => l.StartsWith("# version:", StringComparison.Ordinal))["# version:".Length..].Trim();

        Assert.That(ScannerList.BuiltIn.Networks, Has.Length.EqualTo(cidrs.Length));
        Assert.That(ScannerList.BuiltIn.Version, Is.EqualTo(version));
        Assert.That(cidrs.Where(c => c.Contains(':', StringComparison.Ordinal)), Is.Not.Empty, "the list has IPv6 ranges to check");
        var mismatches = new List<string>();
        Check(cidrs, Probes(new Random(3), cidrs), mismatches, ScannerList.BuiltIn);
        Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches.Take(5)));
    }

    /// <summary>
    /// IPv6 ranges over the IPv4-mapped space hold no IPv4 address (docs/semantics.md: a block holds only addresses of
    /// its own family), however the list merges them with IPv4 ranges around them.
    /// </summary>
    [TestCase("::/0")]
    [TestCase("::/80\n10.0.0.0/8")]
    [TestCase("::8000:0:0/81\n::fffe:0:0/95")]
    [TestCase("::/80\n::1:0:0:0/80\n0.0.0.0/0")]
    public void Contains_Ipv6RangeOverTheMappedSpace_HoldsNoIpv4Address(string ranges)
    {
        string[] cidrs = ranges.Split('\n');
        var mismatches = new List<string>();
        Check(cidrs, Probes(new Random(ranges.Length), cidrs), mismatches);
        Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches.Take(5)));
    }

    [Test]
    public void With_CommentsBlankLinesAndVersionLine_AreNotRanges()
    {
        ScannerList list = ScannerList.Empty.With("# version: 7\n\n  198.51.100.0/24  # a comment\n#203.0.113.0/24\n", "extra.txt");

        Assert.That(list.Networks.Select(n => n.ToString()), Is.EqualTo(new[] { "198.51.100.0/24" }));
        Assert.That(list.Version, Is.EqualTo("empty+custom"), "a user file's version line does not replace the list's");
        Assert.That(list.Contains(IpAddr.Parse("198.51.100.77")), Is.True);
        Assert.That(list.Contains(IpAddr.Parse("203.0.113.1")), Is.False);
    }

    [Test]
    public void With_LineThatIsNotACidr_NamesTheSourceAndLine()
    {
        var e = Assert.Throws<FormatException>(() => ScannerList.Empty.With("10.0.0.0/8\n\n10.0.0.0/33\n", "noise.txt"));
        Assert.That(e!.Message, Is.EqualTo("noise.txt:3: '10.0.0.0/33' is not a CIDR block."));
    }

    /// <summary>Compares every probe; returns how many the reference finds listed, and how many there were.</summary>
    private static (int Hits, int Probes) Check(string[] cidrs, IEnumerable<BigInteger> probes, List<string> mismatches, ScannerList? list = null)
    {
        int hits = 0, count = 0;
        NaiveCidr[] naive = [.. cidrs.Select(c => NaiveCidr.Parse(c) ?? throw new ArgumentException($"reference cannot parse {c}", nameof(cidrs)))];
        list ??= ScannerList.Empty.With(string.Join('\n', cidrs), "test");
        foreach (BigInteger probe in probes)
        {
            bool expected = naive.Any(n => n.Contains(probe));
            hits += expected ? 1 : 0;
            count++;
            IpAddr address = IpAddr.FromUInt128((UInt128)probe);
            if (list.Contains(address) != expected)
            {
                mismatches.Add($"[{string.Join(", ", cidrs)}] contains {address}: expected {expected}");
            }
        }

        return (hits, count);
    }

    /// <summary>Each range's edges and the addresses either side of them, addresses inside, and random ones of both families.</summary>
    private static IEnumerable<BigInteger> Probes(Random random, string[] cidrs)
    {
        BigInteger max = (BigInteger.One << 128) - 1;
        foreach (NaiveCidr n in cidrs.Select(c => NaiveCidr.Parse(c)!))
        {
            foreach (BigInteger p in new[] { n.First - 1, n.First, n.First + 1, n.Last - 1, n.Last, n.Last + 1, n.First + RandomBelow(random, n.Last - n.First + 1) })
            {
                if (p >= 0 && p <= max)
                {
                    yield return p;
                }
            }
        }

        for (int i = 0; i < 50; i++)
        {
            yield return NaiveCidr.MappedBase + (uint)random.NextInt64(1L << 32);
            yield return RandomBelow(random, max);
        }

        // Around the mapped block, where IPv6 ranges meet IPv4 ones.
        foreach (BigInteger p in new[] { NaiveCidr.MappedBase - 1, NaiveCidr.MappedBase, NaiveCidr.MappedBase + uint.MaxValue, NaiveCidr.MappedBase + uint.MaxValue + 1 })
        {
            yield return p;
        }
    }

    /// <summary>A block of the kinds scanner files hold: IPv4 around a few /8s (so lists overlap and nest), /16 crossings, IPv6.</summary>
    private static string RandomCidr(Random random)
    {
        int kind = random.Next(10);
        if (kind < 7)
        {
            int[] firstOctets = [10, 11, 198, 203];
            uint a = ((uint)firstOctets[random.Next(firstOctets.Length)] << 24) | (uint)random.Next(1 << 18) << 6;
            int prefix = random.Next(4) == 0 ? random.Next(6, 17) : random.Next(17, 33);
            return $"{new IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a])}/{prefix}";
        }

        byte[] bytes = new byte[16];
        random.NextBytes(bytes);
        (bytes[0], bytes[1], bytes[2], bytes[3]) = (0x20, 0x01, 0x0d, 0xb8);
        bytes[4] = (byte)random.Next(2);
        return $"{new IPAddress(bytes)}/{random.Next(32, 129)}";
    }

    private static BigInteger RandomBelow(Random random, BigInteger bound)
    {
        byte[] bytes = new byte[17];
        random.NextBytes(bytes);
        bytes[16] = 0;
        return new BigInteger(bytes) % bound;
    }
}
