using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using FlowCorrelator.Tests.TestData;

namespace FlowCorrelator.Tests.Model;

/// <summary>
/// <see cref="IpNetwork"/> against <see cref="NaiveCidr"/> (System.Net parsing, BigInteger prefix compare): every prefix
/// length of both families, probes on both sides of every block's edges, IPv4-mapped addresses, and the family rule.
/// Rule matching (question 5) and the scenario generator both stand on this type, so it is checked on its own.
/// </summary>
public sealed class IpNetworkTests
{
    [Test]
    public void Contains_EveryIpv4PrefixLength_AgreesWithBigIntegerPrefixCompare()
    {
        var random = new Random(8);
        var mismatches = new List<string>();
        int hits = 0;
        for (int prefix = 0; prefix <= 32; prefix++)
        {
            for (int n = 0; n < 24; n++)
            {
                var baseAddress = new IPAddress(RandomBytes(random, 4));
                string text = $"{baseAddress}/{prefix}"; // host bits left set: parsing masks them
                hits += Check(text, mismatches, Near(random, baseAddress.GetAddressBytes(), prefix, 40).Concat(RandomAddresses(random, 10)));
            }
        }

        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} disagreements; first: {mismatches.FirstOrDefault()}");
        Assert.That(hits, Is.GreaterThan(1000), "many probes fall inside their block, not only outside");
    }

    [Test]
    public void Contains_EveryIpv6PrefixLength_AgreesWithBigIntegerPrefixCompare()
    {
        var random = new Random(6);
        var mismatches = new List<string>();
        int hits = 0;
        for (int prefix = 0; prefix <= 128; prefix++)
        {
            for (int n = 0; n < 12; n++)
            {
                byte[] bytes = RandomBytes(random, 16);
                bytes[0] = (byte)(bytes[0] | 0x20); // never inside ::ffff:0:0/96, which would make the text an IPv4 block
                var baseAddress = new IPAddress(bytes);
                hits += Check($"{baseAddress}/{prefix}", mismatches, Near(random, bytes, prefix, 30).Concat(RandomAddresses(random, 10)));
            }
        }

        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} disagreements; first: {mismatches.FirstOrDefault()}");
        Assert.That(hits, Is.GreaterThan(1000), "many probes fall inside their block, not only outside");
    }

    /// <summary>Blocks at and around the IPv4-mapped range, probed with every family of address near it.</summary>
    [TestCase("::/0")]
    [TestCase("::/80")]
    [TestCase("::/95")]
    [TestCase("::/96")]
    [TestCase("::8000:0:0/81")]
    [TestCase("0.0.0.0/0")]
    [TestCase("0.0.0.0/00")]
    [TestCase("0.0.0.1/0")]
    [TestCase("255.255.255.255/32")]
    [TestCase("0.0.0.0/32")]
    [TestCase("::ffff:10.0.0.0/8")]   // IPv4-mapped text: an IPv4 block, its prefix counted in IPv4 bits
    [TestCase("::ffff:10.1.2.3")]
    [TestCase("::1/128")]
    [TestCase("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1")]
    [TestCase(" 10.0.0.0/8 ")]
    public void Contains_BlocksAroundTheMappedRange_AgreeWithBigIntegerPrefixCompare(string text)
    {
        var random = new Random(text.Length);
        var probes = new List<IPAddress>();
        foreach (string edge in new[] { "::", "::1", "::fffe:ffff:ffff", "::ffff:0:0", "::ffff:0.0.0.1", "::ffff:255.255.255.255", "::1:0:0:0", "0.0.0.0", "0.0.0.1", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0", "255.255.255.255", "2001:db8::1" })
        {
            probes.Add(IPAddress.Parse(edge));
        }

        NaiveCidr naive = NaiveCidr.Parse(text)!;
        probes.AddRange(Near(random, ToBytes(naive.Value), naive.Prefix128, 200));
        var mismatches = new List<string>();
        Check(text, mismatches, probes);
        Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches.Take(5)));
    }

    [TestCase("10.0.0.0/33")]
    [TestCase("::/129")]
    [TestCase("::ffff:10.0.0.0/104")] // IPv4-mapped text is an IPv4 block: /104 is past its 32 bits
    [TestCase("10.0.0.0/")]
    [TestCase("10.0.0.0/-1")]
    [TestCase("10.0.0.0/+8")]
    [TestCase("10.0.0.0/8/8")]
    [TestCase("10.0.0.0/ 8")]
    [TestCase("/8")]
    [TestCase("10.0.0/8")]
    [TestCase("10.0.0.256/8")]
    [TestCase("fe80::1%eth0/64")]
    [TestCase("")]
    [TestCase("   ")]
    public void TryParse_NotACidrBlock_IsRejectedLikeTheReference(string text)
    {
        Assert.That(NaiveCidr.Parse(text), Is.Null, "the reference rejects it too");
        Assert.That(IpNetwork.TryParse(text, out _), Is.False);
    }

    [Test]
    public void Contains_AbsentAddress_IsInNoBlockEvenTheWorlds()
    {
        Assert.That(IpNetwork.Parse("0.0.0.0/0").Contains(IpAddr.None), Is.False);
        Assert.That(IpNetwork.Parse("::/0").Contains(IpAddr.None), Is.False);
    }

    /// <summary>Compares the parse and every probe with the reference; returns how many probes the reference finds inside.</summary>
    private static int Check(string text, List<string> mismatches, IEnumerable<IPAddress> probes)
    {
        int hits = 0;
        NaiveCidr naive = NaiveCidr.Parse(text) ?? throw new ArgumentException($"the reference does not parse '{text}'", nameof(text));
        if (!IpNetwork.TryParse(text, out IpNetwork network))
        {
            mismatches.Add($"'{text}' not parsed");
            return 0;
        }

        if (NaiveCidr.Value128(network.First) != naive.First || NaiveCidr.Value128(network.Last) != naive.Last ||
            network.PrefixLength != naive.Prefix || network.IsV4 != naive.IsV4 || network.IsWorld != (naive.Prefix == 0))
        {
            mismatches.Add($"'{text}': first {network.First} last {network.Last} /{network.PrefixLength} v4 {network.IsV4}");
        }

        // Canonical text parses back to the same block.
        if (IpNetwork.Parse(network.ToString()) != network)
        {
            mismatches.Add($"'{text}': ToString '{network}' does not round-trip");
        }

        foreach (IPAddress probe in probes)
        {
            BigInteger value = NaiveCidr.Value128(probe);
            byte[] b = ToBytes(value);
            var address = new IpAddr(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(8)));
            bool expected = naive.Contains(value);
            hits += expected ? 1 : 0;
            if (network.Contains(address) != expected)
            {
                mismatches.Add($"'{text}' contains {probe}: expected {expected}");
            }
        }

        return hits;
    }

    /// <summary>
    /// Addresses sharing the block's first bits up to a point a few bits either side of its prefix, the rest random
    /// (hits and near misses), each also as its IPv4-mapped IPv6 form when it is IPv4.
    /// </summary>
    private static IEnumerable<IPAddress> Near(Random random, byte[] bytes, int prefix, int count)
    {
        int bits = bytes.Length * 8;
        for (int i = 0; i < count; i++)
        {
            int keep = Math.Clamp(prefix + random.Next(-4, 5), 0, bits);
            byte[] probe = (byte[])bytes.Clone();
            for (int bit = keep; bit < bits; bit++)
            {
                int mask = 0x80 >> (bit % 8);
                probe[bit / 8] = (byte)(random.Next(2) == 0 ? probe[bit / 8] & ~mask : probe[bit / 8] | mask);
            }

            var address = new IPAddress(probe);
            yield return address;
            if (probe.Length == 4)
            {
                yield return address.MapToIPv6();
            }
        }
    }

    private static IEnumerable<IPAddress> RandomAddresses(Random random, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return new IPAddress(RandomBytes(random, 4));
            yield return new IPAddress(RandomBytes(random, 16));
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] ToBytes(BigInteger value128)
    {
        byte[] b = new byte[16];
        value128.TryWriteBytes(b, out _, isUnsigned: true, isBigEndian: true);
        byte[] padded = new byte[16];
        int length = value128.GetByteCount(isUnsigned: true);
        Array.Copy(b, 0, padded, 16 - length, length);
        return padded;
    }
}
