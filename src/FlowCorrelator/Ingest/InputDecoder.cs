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
internal static partial class InputDecoder
{
    /// <summary>Reads the first bytes and returns the encoding plus a stream that still yields every byte.</summary>
    public static (InputEncoding Encoding, Stream Stream) Sniff(Stream raw)
    {
        byte[] head = new byte[SniffLength];
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

    /// <summary>
    /// Opens the decompressed text of a plain or gzip input, with the inflate limits applied. A gzip input is checked
    /// to end with a complete member (see <see cref="GzipTextStream"/>); damage surfaces as
    /// <see cref="InvalidDataException"/> from <c>Read</c>, limits as <see cref="InflateLimitException"/>.
    /// </summary>
    public static Stream OpenText(Stream raw, ReaderOptions options, out InputEncoding encoding) => OpenText(raw, options, null, out encoding);

    /// <summary>
    /// As <see cref="OpenText(Stream, ReaderOptions, out InputEncoding)"/>, trying <paramref name="native"/> first for a
    /// gzip input (see <see cref="OpenNative"/>); <see cref="InflaterOf"/> tells which inflater the stream is.
    /// </summary>
    public static Stream OpenText(Stream raw, ReaderOptions options, Libdeflate? native, out InputEncoding encoding)
    {
        long? rawLength = native is not null && raw.CanSeek ? raw.Length - raw.Position : null;
        (encoding, Stream sniffed) = Sniff(raw);
        if (encoding != InputEncoding.Gzip)
        {
            return sniffed;
        }

        if (native is not null && (rawLength is null || rawLength <= NativeMaxInput))
        {
            return OpenNative(sniffed, rawLength, options, native);
        }

        return new GzipTextStream(sniffed, options.MaxInflatedBytes, options.MaxInflateRatio);
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
