using System.IO.Compression;

namespace FlowCorrelator.Ingest;

/// <summary>How an input's bytes are packed, detected from its first bytes.</summary>
internal enum InputEncoding
{
    Plain,
    Gzip,
    Parquet,
}

/// <summary>Thrown inside a reader when a file exceeds an inflate limit; caught and reported per file.</summary>
internal sealed class InflateLimitException(string message) : IOException(message);

/// <summary>Opens an input's bytes as a decompressed stream, whatever its name says.</summary>
internal static class InputDecoder
{
    /// <summary>Reads the first bytes and returns the encoding plus a stream that still yields every byte.</summary>
    public static (InputEncoding Encoding, Stream Stream) Sniff(Stream raw)
    {
        byte[] head = new byte[4];
        int n = 0;
        while (n < head.Length)
        {
            int r = raw.Read(head, n, head.Length - n);
            if (r == 0)
            {
                break;
            }

            n += r;
        }

        var prefixed = new PrefixedStream(head.AsMemory(0, n), raw);
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            return (InputEncoding.Gzip, prefixed);
        }

        if (n == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1')
        {
            return (InputEncoding.Parquet, prefixed);
        }

        return (InputEncoding.Plain, prefixed);
    }

    /// <summary>Opens the decompressed text of a plain or gzip input, with the inflate limits applied.</summary>
    public static Stream OpenText(Stream raw, ReaderOptions options, out InputEncoding encoding)
    {
        var counted = new CountingStream(raw);
        (encoding, Stream sniffed) = Sniff(counted);
        if (encoding != InputEncoding.Gzip)
        {
            return sniffed;
        }

        // GZipStream reads concatenated members as one stream, as gzip(1) does.
        var inflated = new GZipStream(sniffed, CompressionMode.Decompress, leaveOpen: false);
        return new InflateGuardStream(inflated, counted, options.MaxInflatedBytes, options.MaxInflateRatio);
    }

    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(Span<byte> buffer)
        {
            if (!_prefix.IsEmpty)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }

            return inner.Read(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    internal sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class InflateGuardStream(Stream inflated, CountingStream compressed, long maxBytes, int maxRatio) : ReadOnlyStream
    {
        private const long RatioCheckFloor = 64L << 20;
        private long _total;

        public override int Read(Span<byte> buffer)
        {
            int n = inflated.Read(buffer);
            _total += n;
            if (_total > maxBytes)
            {
                throw new InflateLimitException($"inflated past the limit of {maxBytes} bytes");
            }

            if (_total > RatioCheckFloor && _total / Math.Max(1, compressed.BytesRead) > maxRatio)
            {
                throw new InflateLimitException($"inflates more than {maxRatio}:1 ({_total} bytes from {compressed.BytesRead})");
            }

            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inflated.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Base for forward-only read streams.</summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
