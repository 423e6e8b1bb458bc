using System.Net;
using System.Numerics;
using FlowCorrelator.Scenarios;
using FlowCorrelator.Tests.TestData;

namespace FlowCorrelator.Tests.Scenarios;

/// <summary>
/// The generator's own CIDR and scanner code (System.Net based, so the expectations do not use the engine's
/// <see cref="IpNetwork"/> and <see cref="FlowCorrelator.Queries.ScannerList"/>) against the naive reference.
/// </summary>
public sealed class ModelNetworksTests
{
    [Test]
    public void IsScanner_EdgesOfEveryRangeAndRandomAddresses_AgreesWithTheDataFileAsTheReferenceReadsIt()
    {
        using Stream stream = typeof(IpAddr).Assembly.GetManifestResourceStream("FlowCorrelator.Data.scanners.txt")!;
        NaiveCidr[] v4 = [.. new StreamReader(stream).ReadToEnd().Split('\n').Select(l => l.Split('#')[0].Trim())
            .Where(l => l.Length > 0).Select(l => NaiveCidr.Parse(l)!).Where(n => n.IsV4)];
        Assert.That(ModelNetworks.ScannersV4, Has.Count.EqualTo(v4.Length));

        var random = new Random(9);
        var probes = v4.SelectMany(n => new[] { n.First - 1, n.First, n.Last, n.Last + 1 }).Select(p => (uint)(p - NaiveCidr.MappedBase))
            .Concat(Enumerable.Range(0, 20_000).Select(_ => (uint)random.NextInt64(1L << 32)));
        foreach (uint a in probes)
        {
            bool expected = v4.Any(n => n.Contains(NaiveCidr.MappedBase + a));
            Assert.That(ModelNetworks.IsScanner(a), Is.EqualTo(expected), ModelNetworks.V4Text(a));
        }
    }

    [TestCase("0.0.0.0/0", 0u, uint.MaxValue)]
    [TestCase("10.0.0.0/16", 0x0A000000u, 0x0A00FFFFu)]
    [TestCase("198.18.1.0/24", 0xC6120100u, 0xC61201FFu)]
    [TestCase("203.0.113.7/32", 0xCB007107u, 0xCB007107u)]
    public void V4Range_Ipv4Block_IsItsHostOrderRange(string cidr, uint first, uint last)
    {
        Assert.That(ModelNetworks.V4Range(cidr), Is.EqualTo((first, last)));
        NaiveCidr naive = NaiveCidr.Parse(cidr)!;
        Assert.That((naive.First - NaiveCidr.MappedBase, naive.Last - NaiveCidr.MappedBase), Is.EqualTo(((BigInteger)first, (BigInteger)last)));
    }

    [Test]
    public void NetworkHelpers_Ipv6AndWorldAndSameBlock_AsDocsSemanticsSays()
    {
        Assert.That(ModelNetworks.V4Range("::/0"), Is.Null, "an IPv6 block holds no IPv4 source");
        Assert.That(ModelNetworks.IsWorld("::/0") && ModelNetworks.IsWorld("0.0.0.0/0"), Is.True);
        Assert.That(ModelNetworks.IsWorld("2001:db8:1234:5678::/64"), Is.False);
        Assert.That(ModelNetworks.SameBlock("2001:db8::/32", "2001:0db8:0::/32"), Is.True, "compared as networks, not text");
        Assert.That(ModelNetworks.SameBlock("0.0.0.0/0", "::/0"), Is.False);
        Assert.That(ModelNetworks.V4Text(0xC6336401), Is.EqualTo(IPAddress.Parse("198.51.100.1").ToString()));
    }
}
