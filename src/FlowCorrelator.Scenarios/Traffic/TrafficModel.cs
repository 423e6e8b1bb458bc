using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>The kinds of traffic the world carries; each is one record on one interface.</summary>
internal enum Kind : byte
{
    WebIn, WebOut, SshBrute, SshAdmin, SshNearMiss, SshSecondary, PaymentOut22, PaymentOut22Reply, DbIn, DbOut, ReusedToDb,
    WebToPayment, Scanner, BatchPartner, BatchInternal, Monitoring, FloatingEni, OtherEni22, Reused22, Debug9000, ExtraFleet,
    EgressNoise, NoData, SkipData, PodIn, PodToDb, UnlinkedSsh,
}

/// <summary>
/// Draws flow records from the world: who talks to whom, on which port, and whether the security groups in force at
/// the record's start admit it (inbound new connections) — replies and outbound traffic are always accepted, as
/// security groups are stateful.
/// </summary>
internal sealed class TrafficModel
{
    private static readonly (Kind Kind, int Weight)[] s_weights =
    [
        (Kind.WebIn, 255), (Kind.WebOut, 150), (Kind.SshBrute, 140), (Kind.SshAdmin, 20), (Kind.SshNearMiss, 15), (Kind.SshSecondary, 10),
        (Kind.PaymentOut22, 25), (Kind.PaymentOut22Reply, 15), (Kind.DbIn, 70), (Kind.DbOut, 35), (Kind.ReusedToDb, 5), (Kind.WebToPayment, 40),
        (Kind.Scanner, 40), (Kind.BatchPartner, 35), (Kind.BatchInternal, 30), (Kind.Monitoring, 30), (Kind.FloatingEni, 25), (Kind.OtherEni22, 10),
        (Kind.Reused22, 5), (Kind.Debug9000, 10), (Kind.ExtraFleet, 20), (Kind.EgressNoise, 10), (Kind.NoData, 3), (Kind.SkipData, 2),
        (Kind.PodIn, 25), (Kind.PodToDb, 10), (Kind.UnlinkedSsh, 20),
    ];

    private const uint MonitoringHost = 0x0A000032; // 10.0.0.50: inside the VPC, owned by no interface of the model
    private const uint DnsResolver = 0x0A000002;

    private readonly Kind[] _table;
    private readonly uint[] _clients;
    private readonly uint[] _attackers;
    private readonly uint[] _scanners;
    private readonly uint[] _gitHosts;
    private readonly Timeline _timeline;
    private readonly WorldModel _world;

    public TrafficModel(WorldModel world, Timeline timeline, int seed)
    {
        _world = world;
        _timeline = timeline;
        _table = new Kind[s_weights.Sum(w => w.Weight)];
        int at = 0;
        foreach ((Kind kind, int weight) in s_weights)
        {
            Array.Fill(_table, kind, at, weight);
            at += weight;
        }

        var rng = new Random(unchecked(seed * 7919 + 3));
        _clients = PublicPool(rng, 5000, [23, 24, 31, 45, 52, 64, 73, 81, 92, 104, 109, 134, 151, 176, 188, 212]);
        _attackers = PublicPool(rng, 1500, [5, 36, 45, 61, 91, 101, 112, 116, 117, 121, 122, 175, 183, 193, 218, 222]);
        _gitHosts = PublicPool(rng, 20, [140, 192]);
        var scanners = new List<uint>();
        foreach ((uint first, uint last) in ModelNetworks.ScannersV4)
        {
            uint size = last - first + 1;
            for (int i = 0; i < 4; i++)
            {
                scanners.Add(first + (uint)rng.NextInt64(size));
            }
        }

        _scanners = [.. scanners];
    }

    /// <summary>Random public addresses with the given first octets, outside the scanner list and the documentation ranges the story uses.</summary>
    private static uint[] PublicPool(Random rng, int count, int[] firstOctets)
    {
        var pool = new List<uint>(count);
        var seen = new HashSet<uint>();
        while (pool.Count < count)
        {
            uint a = ((uint)firstOctets[rng.Next(firstOctets.Length)] << 24) | (uint)rng.Next(1 << 24);
            if ((a & 0xFF) is 0 or 255 || ModelNetworks.IsScanner(a) || !seen.Add(a))
            {
                continue;
            }

            pool.Add(a);
        }

        return [.. pool];
    }

    private static int Ephemeral(Random rng) => 32768 + rng.Next(28232);

    private static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];

    /// <summary>Fills <paramref name="r"/> (start/end already set) with one record; returns the epoch it was drawn in.</summary>
    public Epoch Next(Random rng, ref FlowRec r)
    {
        Epoch ep = _timeline.At(r.Start);
        Kind kind = _table[rng.Next(_table.Length)];
        r.Status = 0;
        r.Protocol = 6;
        r.Ingress = true;
        r.Accept = true;
        EniView[] web = ep.Role("web");
        EniView[] payment = ep.Role("payment");
        EniView[] batch = ep.Role("batch");
        EniView[] db = ep.Role("db");
        switch (kind)
        {
            case Kind.WebOut:
                Outbound(rng, ref r, Pick(rng, web), Pick(rng, _clients), 443, Ephemeral(rng), 19);
                r.SrcPort = 443;
                return ep;
            case Kind.SshBrute:
                return Inbound(rng, ref r, ep, Pick(rng, payment), Pick(rng, _attackers), 22, small: true);
            case Kind.SshAdmin:
                return Inbound(rng, ref r, ep, Pick(rng, payment), Office(rng), 22);
            case Kind.SshNearMiss:
                return Inbound(rng, ref r, ep, Pick(rng, payment), 0xC6336400u | (uint)(1 + rng.Next(254)), 22, small: true);
            case Kind.SshSecondary:
                return Inbound(rng, ref r, ep, Pick(rng, ep.PaymentSecondary), Office(rng), 22, small: true);
            case Kind.PaymentOut22:
                Outbound(rng, ref r, Pick(rng, payment), Pick(rng, _gitHosts), Ephemeral(rng), 22, 3);
                return ep;
            case Kind.PaymentOut22Reply:
                Inbound(rng, ref r, ep, Pick(rng, payment), Pick(rng, _gitHosts), Ephemeral(rng), reply: true);
                r.SrcPort = 22;
                return ep;
            case Kind.DbIn:
                return Inbound(rng, ref r, ep, Pick(rng, db), Pick(rng, payment).Ip, 5432);
            case Kind.DbOut:
                Outbound(rng, ref r, Pick(rng, payment), Pick(rng, db).Ip, Ephemeral(rng), 5432, 3);
                return ep;
            case Kind.ReusedToDb when ep.Eni(_world.ReusingEni, _timeline.EniIndex) is EniView reusing:
                return Inbound(rng, ref r, ep, Pick(rng, db), reusing.Ip, 5432, small: true);
            case Kind.WebToPayment:
                return Inbound(rng, ref r, ep, Pick(rng, payment), Pick(rng, web).Ip, 8443);
            case Kind.Scanner:
                uint scanner = Pick(rng, _scanners);
                return rng.Next(4) switch
                {
                    0 => Inbound(rng, ref r, ep, Pick(rng, web), scanner, 443, small: true),
                    1 => Inbound(rng, ref r, ep, Pick(rng, payment), scanner, 22, small: true),
                    2 => Inbound(rng, ref r, ep, Pick(rng, batch), scanner, 8050, small: true),
                    _ => Inbound(rng, ref r, ep, Pick(rng, web), scanner, 22, small: true),
                };
            case Kind.BatchPartner:
                uint partner = (rng.Next(2) == 0 ? 0xC6120000u : 0xC6120100u) | (uint)(1 + rng.Next(254));
                return Inbound(rng, ref r, ep, Pick(rng, batch), partner, 8000 + rng.Next(101));
            case Kind.BatchInternal:
                Inbound(rng, ref r, ep, Pick(rng, batch), Pick(rng, web).Ip, 9999);
                r.Protocol = 17;
                r.TcpFlags = 0;
                r.Accept = Accumulator.Admits(r, ep);
                return ep;
            case Kind.Monitoring:
                EniView[] targets = rng.Next(3) switch { 0 => payment, 1 => web, _ => batch };
                Inbound(rng, ref r, ep, Pick(rng, targets), MonitoringHost, 9100, small: true);
                if (rng.Next(2) == 0)
                {
                    r.Protocol = 17;
                    r.DstPort = 161;
                    r.TcpFlags = 0;
                    r.Accept = Accumulator.Admits(r, ep);
                }

                return ep;
            case Kind.FloatingEni when ep.Eni(_world.Landmarks.FloatingEni, _timeline.EniIndex) is EniView floating:
                return Inbound(rng, ref r, ep, floating, Office(rng), 22);
            case Kind.OtherEni22:
                return Inbound(rng, ref r, ep, Pick(rng, web), Pick(rng, _attackers), 22, small: true);
            case Kind.Reused22 when ep.Eni(_world.ReusingEni, _timeline.EniIndex) is EniView reused:
                return Inbound(rng, ref r, ep, reused, Pick(rng, _attackers), 22, small: true);
            case Kind.Debug9000 when ep.Eni(_world.DebugTargetEni, _timeline.EniIndex) is EniView debugTarget:
                return Inbound(rng, ref r, ep, debugTarget, Pick(rng, web).Ip, 9000);
            case Kind.ExtraFleet when _world.Fleets.Count > 3:
                int k = 3 + rng.Next(_world.Fleets.Count - 3);
                return Inbound(rng, ref r, ep, Pick(rng, ep.Role(_world.Fleets[k])), Pick(rng, web).Ip, 7000 + k);
            case Kind.EgressNoise:
                EniView source = Pick(rng, ep.All);
                if (rng.Next(2) == 0)
                {
                    Outbound(rng, ref r, source, Pick(rng, _clients), Ephemeral(rng), 443, 3);
                }
                else
                {
                    Outbound(rng, ref r, source, DnsResolver, Ephemeral(rng), 53, 0);
                    r.Protocol = 17;
                }

                return ep;
            case Kind.PodIn when ep.Pods.Length > 0:
                // To a pod address inside the node's delegated prefix: the record names the node's interface, and
                // only the prefix says the destination is that interface's.
                EniView node = Pick(rng, ep.Pods);
                uint pod = Pick(rng, node.PodIps);
                Epoch inbound = rng.Next(3) == 0
                    ? Inbound(rng, ref r, ep, node, Pick(rng, _attackers), 22, small: true)
                    : Inbound(rng, ref r, ep, node, Pick(rng, web).Ip, 8443);
                r.Dst = pod;
                return inbound;
            case Kind.PodToDb when ep.Pods.Length > 0 && db.Length > 0:
                // From a pod address: a referenced-group rule must see it as held by the node's interface.
                return Inbound(rng, ref r, ep, Pick(rng, db), Pick(rng, Pick(rng, ep.Pods).PodIps), 5432);
            case Kind.UnlinkedSsh when ep.Unlinked.Length > 0:
                // SSH to an instance whose interface no evidence links to it: only the record's own instance-id can
                // attribute it (docs/semantics.md, "The flow record as evidence").
                return Inbound(rng, ref r, ep, Pick(rng, ep.Unlinked), rng.Next(4) == 0 ? Office(rng) : Pick(rng, _attackers), 22, small: true);
            case Kind.NoData or Kind.SkipData:
                r.Eni = Pick(rng, ep.All);
                r.Status = kind == Kind.NoData ? (byte)1 : (byte)2;
                return ep;
            default:
                // WebIn, and the fallback for kinds whose interface does not exist at this time.
                return Inbound(rng, ref r, ep, Pick(rng, web), Pick(rng, _clients), 443);
        }
    }

    private static uint Office(Random rng) => 0xCB007100u | (uint)(10 + rng.Next(31));

    /// <summary>An inbound record; the action comes from the security groups unless it is a reply.</summary>
    private static Epoch Inbound(Random rng, ref FlowRec r, Epoch ep, EniView eni, uint src, int dstPort, bool small = false, bool reply = false)
    {
        r.Eni = eni;
        r.Ingress = true;
        r.Src = src;
        r.Dst = eni.Ip;
        r.SrcPort = Ephemeral(rng);
        r.DstPort = dstPort;
        r.Packets = small ? 1 + rng.Next(5) : 3 + rng.Next(60);
        r.Bytes = r.Packets * (small ? 40 + rng.Next(80) : 60 + rng.Next(1400));
        r.Accept = reply || Accumulator.Admits(r, ep);
        r.TcpFlags = r.Accept ? 3 : 2;
        return ep;
    }

    private static void Outbound(Random rng, ref FlowRec r, EniView eni, uint dst, int srcPort, int dstPort, int flags)
    {
        r.Eni = eni;
        r.Ingress = false;
        r.Accept = true;
        r.Src = eni.Ip;
        r.Dst = dst;
        r.SrcPort = srcPort;
        r.DstPort = dstPort;
        r.Packets = 2 + rng.Next(40);
        r.Bytes = r.Packets * (60 + rng.Next(1400));
        r.TcpFlags = flags;
    }
}
