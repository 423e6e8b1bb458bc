using System.IO.Compression;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Gzip end-of-data checks shared by every reader: truncation, trailing garbage, concatenated members.</summary>
public sealed class InputDecoderTests
{
    [Test]
    public void OpenText_SingleMember_ReadsEverythingAndCountsOneMember()
    {
        byte[] text = Text(50_000, seed: 1);
        (byte[] read, GzipTextStream gz) = Inflate(Gzip(text));
        Assert.That(read, Is.EqualTo(text));
        Assert.That(gz.Members, Is.EqualTo(1));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    [TestCase(1 << 16)]
    public void OpenText_ConcatenatedMembers_ReadsThemAllWhateverTheReadSizes(int chunk)
    {
        var rnd = new Random(chunk);
        var members = new List<byte[]>();
        var expected = new List<byte>();
        for (int i = 0; i < 40; i++)
        {
            // Empty members, tiny ones and ones bigger than the feed buffer.
            byte[] part = i % 9 == 0 ? [] : Text(rnd.Next(0, 3) == 0 ? rnd.Next(1, 50) : rnd.Next(1000, chunk < 100 ? 20_000 : 200_000), seed: i);
            members.Add(Gzip(part, i % 2 == 0 ? CompressionLevel.Fastest : CompressionLevel.NoCompression));
            expected.AddRange(part);
        }

        (byte[] read, GzipTextStream gz) = Inflate([.. members.SelectMany(m => m)], rawChunk: chunk, readChunk: chunk == 1 ? 3 : 1 << 15);
        Assert.That(read, Is.EqualTo(expected.ToArray()));
        Assert.That(gz.Members, Is.EqualTo(members.Count(m => m.Length > 0)), "GZipStream writes no member for empty data");
    }

    [Test]
    public void OpenText_MagicBytesInsideStoredData_AreNotTakenForMemberStarts()
    {
        // Stored (level 0) deflate blocks copy the text verbatim, so a header and a fake trailer appear in the raw bytes.
        byte[] fake = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1F, 0x8B, 0x08, 0x00];
        byte[] text = [.. Text(1000, 3), .. fake, .. Text(70_000, 4), .. fake];
        byte[] gz = Gzip(text, CompressionLevel.NoCompression);
        Assert.That(gz.AsSpan().IndexOf(fake), Is.GreaterThan(0), "the test needs the magic in the compressed bytes");

        (byte[] read, GzipTextStream stream) = Inflate(gz, rawChunk: 5);
        Assert.That(read, Is.EqualTo(text));
        Assert.That(stream.Members, Is.EqualTo(1));
        Assert.That(() => Inflate(gz[..^1]), Throws.InstanceOf<InvalidDataException>());
    }

    [Test]
    public void OpenText_TruncatedAtEveryPoint_ThrowsInvalidData()
    {
        byte[] first = Gzip(Text(3000, 5));
        byte[] gz = [.. first, .. Gzip(Text(2000, 6), CompressionLevel.NoCompression)];
        for (int cut = 2; cut < gz.Length; cut++) // one byte is not recognised as gzip at all
        {
            if (cut == first.Length)
            {
                Assert.That(Inflate(gz[..cut]).Read, Has.Length.EqualTo(3000), "a cut between members leaves a valid file");
                continue;
            }

            Assert.That(() => Inflate(gz[..cut]), Throws.InstanceOf<InvalidDataException>(), $"cut at {cut} of {gz.Length}");
        }
    }

    [TestCase("garbage after the member")]
    [TestCase("\0\0\0\0")]
    [TestCase("\u001f")]
    public void OpenText_DataAfterTheLastMember_ThrowsAfterDeliveringTheMember(string tail)
    {
        byte[] text = Text(10_000, 7);
        using var stream = (GzipTextStream)InputDecoder.OpenText(new MemoryStream([.. Gzip(text), .. Encoding.Latin1.GetBytes(tail)]), ReaderOptions.Default, out _);
        var read = new MemoryStream();
        var ex = Assert.Throws<InvalidDataException>(() => stream.CopyTo(read));
        Assert.That(ex!.Message, Does.Contain("trailer"));
        Assert.That(read.ToArray(), Is.EqualTo(text));
    }

    [Test]
    public void OpenText_BadCrc_ThrowsWithACompressedOffset()
    {
        byte[] gz = Gzip(Text(10_000, 8));
        gz[^6] ^= 0x55;
        var ex = Assert.Throws<InvalidDataException>(() => Inflate(gz));
        Assert.That(ex!.Message, Does.Contain("damaged gzip data").And.Contain("compressed byte"));
    }

    [Test]
    public void OpenText_PlainText_IsPassedThroughUnchecked()
    {
        byte[] text = Text(100, 9);
        using Stream s = InputDecoder.OpenText(new MemoryStream(text), ReaderOptions.Default, out InputEncoding encoding);
        var read = new MemoryStream();
        s.CopyTo(read);
        Assert.That(encoding, Is.EqualTo(InputEncoding.Plain));
        Assert.That(read.ToArray(), Is.EqualTo(text));
    }

    [Test]
    public void OpenText_InflateLimits_ThrowInflateLimitException()
    {
        byte[] zeros = Gzip(new byte[2 << 20]);
        var small = ReaderOptions.Default with { MaxInflatedBytes = 1 << 20 };
        Assert.That(() => Inflate(zeros, options: small), Throws.InstanceOf<InflateLimitException>().With.Message.Contain("limit of 1048576"));

        byte[] bomb = Gzip(new byte[GzipTextStream.RatioCheckFloor + (1 << 20)]);
        Assert.That(() => Inflate(bomb, options: ReaderOptions.Default with { MaxInflateRatio = 100 }), Throws.InstanceOf<InflateLimitException>().With.Message.Contain("100:1"));
    }

    internal static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Optimal)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, level, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    private static byte[] Text(int length, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder(length + 64);
        while (sb.Length < length)
        {
            sb.Append("2 123456789012 eni-").Append(rnd.Next(1000)).Append(" 10.0.0.").Append(rnd.Next(256)).Append(" 443 ").Append(rnd.Next()).Append('\n');
        }

        return Encoding.ASCII.GetBytes(sb.ToString(0, length));
    }

    private static (byte[] Read, GzipTextStream Stream) Inflate(byte[] gz, int rawChunk = int.MaxValue, int readChunk = 1 << 15, ReaderOptions? options = null)
    {
        var stream = (GzipTextStream)InputDecoder.OpenText(new ChunkedStream(gz, rawChunk), options ?? ReaderOptions.Default, out InputEncoding encoding);
        Assert.That(encoding, Is.EqualTo(InputEncoding.Gzip));
        var output = new MemoryStream();
        byte[] buffer = new byte[readChunk];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
        }

        return (output.ToArray(), stream);
    }

    /// <summary>Returns at most <paramref name="chunk"/> bytes per read, as a network stream may.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }
}
