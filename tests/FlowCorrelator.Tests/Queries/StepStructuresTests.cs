using FlowCorrelator.Index;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Tests.Queries;

/// <summary>
/// The per-record step's compiled structures against the plain definitions they replace: compiled rules against
/// <see cref="RuleDefinition"/>, the scanner bitmap against a linear scan, the seeded address set against a HashSet.
/// </summary>
public sealed class StepStructuresTests
{
    private static readonly string[] Addresses =
    [
        "-", "10.0.0.0", "10.0.255.255", "10.1.0.0", "0.0.0.0", "255.255.255.255", "203.0.113.9", "198.51.100.1",
        "::", "::1", "::ffff:0:0", "2001:db8::1", "2001:db9::", "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ];

    private static IEnumerable<TestCaseData> Rules()
    {
        yield return Case("tcp 22 v4", new() { GroupId = "sg", Protocol = 6, FromPort = 22, ToPort = 22, CidrIpv4 = "10.0.0.0/16" });
        yield return Case("tcp range world", new() { GroupId = "sg", Protocol = 6, FromPort = 8000, ToPort = 8100, CidrIpv4 = "0.0.0.0/0" });
        yield return Case("tcp from only", new() { GroupId = "sg", Protocol = 6, FromPort = 443, CidrIpv4 = "203.0.113.0/24" });
        yield return Case("tcp to only", new() { GroupId = "sg", Protocol = 6, ToPort = 443, CidrIpv4 = "203.0.113.0/24" });
        yield return Case("udp no ports", new() { GroupId = "sg", Protocol = 17, CidrIpv4 = "198.51.100.1/32" });
        yield return Case("icmp with ports", new() { GroupId = "sg", Protocol = 1, FromPort = 8, ToPort = 0, CidrIpv4 = "0.0.0.0/0" });
        yield return Case("all v6 world", new() { GroupId = "sg", Protocol = -1, FromPort = 22, ToPort = 22, CidrIpv6 = "::/0" });
        yield return Case("tcp v6 block", new() { GroupId = "sg", Protocol = 6, FromPort = 0, ToPort = 65535, CidrIpv6 = "2001:db8::/32" });
        yield return Case("host bits", new() { GroupId = "sg", Protocol = -1, CidrIpv4 = "0.0.0.1/0" });
    }

    private static TestCaseData Case(string name, SecurityGroupRuleSpec spec) => new TestCaseData(spec).SetName($"CompiledRule_{name}_MatchesLikeDefinition");

    [TestCaseSource(nameof(Rules))]
    public void CompiledRule_MatchesLikeDefinition(SecurityGroupRuleSpec spec)
    {
        var rule = new RuleDefinition("sgr-1", 0, spec);
        Assert.That(CompiledRule.TryCompile(rule, new Dictionary<string, int>(), out CompiledRule compiled), Is.True);
        foreach (int protocol in new[] { 1, 6, 17, 58 })
        {
            foreach (int port in new[] { -1, 0, 8, 21, 22, 23, 443, 444, 7999, 8000, 8100, 8101, 65535 })
            {
                foreach (string text in Addresses)
                {
                    IpAddr address = text == "-" ? IpAddr.None : IpAddr.Parse(text);
                    bool expected = rule.MatchesProtocolAndPort(protocol, port) && rule.ParsedNetwork.Contains(address);
                    bool actual = compiled.MatchesProtocolAndPort(protocol, port) && compiled.NetworkContains(address.High, address.Low);
                    Assert.That(actual, Is.EqualTo(expected), $"protocol {protocol} port {port} source {text}");
                }
            }
        }
    }

    [Test]
    public void CompiledRule_PeerNoInterfaceHolds_IsNotCompiled()
    {
        var prefixList = new RuleDefinition("sgr-pl", 0, new SecurityGroupRuleSpec { GroupId = "sg", Protocol = 6, PrefixListId = "pl-1" });
        var unheld = new RuleDefinition("sgr-ref", 0, new SecurityGroupRuleSpec { GroupId = "sg", Protocol = 6, ReferencedGroupId = "sg-gone" });
        var held = new RuleDefinition("sgr-ref2", 0, new SecurityGroupRuleSpec { GroupId = "sg", Protocol = 6, ReferencedGroupId = "sg-app" });
        var ordinals = new Dictionary<string, int> { ["sg-app"] = 3 };

        Assert.That(CompiledRule.TryCompile(prefixList, ordinals, out _), Is.False);
        Assert.That(CompiledRule.TryCompile(unheld, ordinals, out _), Is.False);
        Assert.That(CompiledRule.TryCompile(held, ordinals, out CompiledRule c), Is.True);
        Assert.That((c.Peer, c.GroupOrdinal), Is.EqualTo((RulePeer.Group, 3)));
    }

    [TestCase("198.51.100.128/25\n203.0.112.0/23\n10.255.255.255/32\n::/96\n")]
    [TestCase("::/80\n2001:db8::/32\n")] // an IPv6 range over the whole IPv4-mapped space
    public void ScannerList_Bitmap_AgreesWithRanges(string ranges)
    {
        // Ranges that start and end inside /16 blocks, cross a /16 boundary, or lie around the mapped space.
        ScannerList list = ScannerList.Empty.With(ranges, "test");
        string[] probes =
        [
            "198.51.100.127", "198.51.100.128", "198.51.100.255", "198.51.101.0", "203.0.111.255", "203.0.112.0", "203.0.113.255",
            "203.0.114.0", "10.255.255.255", "10.255.0.0", "11.0.0.0", "15.255.255.255", "16.0.0.0", "0.0.0.0", "::", "::1",
            "::ffff:ffff", "2001:db8::1",
        ];
        foreach (string text in probes)
        {
            IpAddr address = IpAddr.Parse(text);
            bool expected = list.Networks.Any(n => n.Contains(address)); // of its own family: ::/80 holds no IPv4 address
            Assert.That(list.Contains(address), Is.EqualTo(expected), text);
        }
    }

    [Test]
    public void IpAddrSet_ManyAddressesWithRepeats_CountsLikeHashSet()
    {
        var set = new IpAddrSet();
        var reference = new HashSet<IpAddr>();
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            IpAddr address = random.Next(4) switch
            {
                0 => IpAddr.None,
                1 => new IpAddr((ulong)random.Next(3), (ulong)random.Next(500)),
                _ => IpAddr.FromV4((uint)random.Next(5_000)),
            };
            Assert.That(set.Add(address), Is.EqualTo(reference.Add(address)));
        }

        var other = new IpAddrSet();
        other.Add(IpAddr.FromV4(1_000_000));
        other.Add(IpAddr.FromV4(1));
        set.UnionWith(other);
        reference.UnionWith([IpAddr.FromV4(1_000_000), IpAddr.FromV4(1)]);
        Assert.That(set.Count, Is.EqualTo(reference.Count));
    }
}
