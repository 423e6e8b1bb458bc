using System.Buffers.Text;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>The column layouts the generator writes.</summary>
internal static class FlowFormats
{
    private const string V5Text =
        "version account-id vpc-id subnet-id instance-id interface-id flow-direction srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr " +
        "protocol packets bytes start end action tcp-flags type log-status region az-id sublocation-type sublocation-id " +
        "pkt-src-aws-service pkt-dst-aws-service traffic-path";

    private const string V11Text =
        "version account-id vpc-id subnet-id instance-id instance-tag interface-id interface-type flow-direction srcaddr dstaddr srcport dstport " +
        "pkt-srcaddr pkt-dstaddr protocol packets bytes start end action reject-reason tcp-flags type log-status region az-id sublocation-type " +
        "sublocation-id pkt-src-aws-service pkt-dst-aws-service traffic-path resource-id encryption-status next-hop-interface-id";

    public static FlowLogSchema For(ScenarioFormat format) => format switch
    {
        ScenarioFormat.V2 => FlowLogSchema.DefaultV2,
        ScenarioFormat.V11 => FlowLogSchema.Parse(V11Text),
        _ => FlowLogSchema.Parse(V5Text),
    };
}

/// <summary>Receives the values of one record's columns (one implementation writes text, one collects Parquet columns).</summary>
internal interface IFieldSink
{
    void Number(long value);

    void Text(ReadOnlySpan<byte> utf8);

    void Address(uint v4);

    void Missing();
}

/// <summary>Turns a <see cref="FlowRec"/> into column values, the same way for text and Parquet.</summary>
internal static class FlowValues
{
    private static readonly byte[] s_account = "111122223333"u8.ToArray();

    public static void Write<TSink>(ref TSink sink, FlowField field, in FlowRec r, int version, byte[] vpc)
        where TSink : struct, IFieldSink
    {
        bool ok = r.Status == 0;
        switch (field)
        {
            case FlowField.Version: sink.Number(version); return;
            case FlowField.AccountId: sink.Text(s_account); return;
            case FlowField.InterfaceId: sink.Text(r.Eni.IdUtf8); return;
            case FlowField.Start: sink.Number(r.Start); return;
            case FlowField.End: sink.Number(r.End); return;
            case FlowField.LogStatus: sink.Text(r.Status switch { 0 => "OK"u8, 1 => "NODATA"u8, _ => "SKIPDATA"u8 }); return;
        }

        if (!ok)
        {
            // NODATA/SKIPDATA rows: every traffic-dependent and metadata field is '-'.
            sink.Missing();
            return;
        }

        switch (field)
        {
            case FlowField.SrcAddr or FlowField.PktSrcAddr: sink.Address(r.Src); break;
            case FlowField.DstAddr or FlowField.PktDstAddr: sink.Address(r.Dst); break;
            case FlowField.SrcPort: sink.Number(r.SrcPort); break;
            case FlowField.DstPort: sink.Number(r.DstPort); break;
            case FlowField.Protocol: sink.Number(r.Protocol); break;
            case FlowField.Packets: sink.Number(r.Packets); break;
            case FlowField.Bytes: sink.Number(r.Bytes); break;
            case FlowField.Action: sink.Text(r.Accept ? "ACCEPT"u8 : "REJECT"u8); break;
            case FlowField.VpcId: sink.Text(vpc); break;
            case FlowField.SubnetId: sink.Text(r.Eni.SubnetUtf8); break;
            case FlowField.InstanceId: sink.Text(r.RecordInstance is { } id ? Encoding.ASCII.GetBytes(id) : r.Eni.InstanceUtf8); break;
            case FlowField.InstanceTag: sink.Text(r.RecordInstance is null ? r.Eni.NameTagUtf8 : Encoding.UTF8.GetBytes(r.RecordNameTag ?? "-")); break;
            case FlowField.TcpFlags: sink.Number(r.TcpFlags); break;
            case FlowField.Type: sink.Text("IPv4"u8); break;
            case FlowField.Region: sink.Text("us-east-1"u8); break;
            case FlowField.AzId: sink.Text(r.Eni.AzUtf8); break;
            case FlowField.FlowDirection: sink.Text(r.Ingress ? "ingress"u8 : "egress"u8); break;
            case FlowField.InterfaceType: sink.Text("interface"u8); break;
            case FlowField.TrafficPath:
                if (r.Ingress)
                {
                    sink.Missing();
                }
                else
                {
                    // 1 = inside the VPC (10.0.0.0/16), 8 = internet gateway.
                    sink.Number((r.Dst & 0xFFFF0000u) == 0x0A000000u ? 1 : 8);
                }

                break;
            default: sink.Missing(); break;
        }
    }
}

/// <summary>Writes text columns into a pooled byte buffer: no strings per line.</summary>
internal struct TextSink(byte[] buffer) : IFieldSink
{
    public byte[] Buffer = buffer;
    public int Length;

    public void Number(long value)
    {
        Utf8Formatter.TryFormat(value, Buffer.AsSpan(Length), out int written);
        Length += written;
    }

    public void Text(ReadOnlySpan<byte> utf8)
    {
        utf8.CopyTo(Buffer.AsSpan(Length));
        Length += utf8.Length;
    }

    public void Address(uint v4)
    {
        Span<byte> span = Buffer.AsSpan(Length);
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            Utf8Formatter.TryFormat((v4 >> shift) & 0xFF, span[n..], out int written);
            n += written;
            if (shift > 0)
            {
                span[n++] = (byte)'.';
            }
        }

        Length += n;
    }

    public void Missing() => Buffer[Length++] = (byte)'-';

    public void Byte(byte b) => Buffer[Length++] = b;
}
