using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Inflates a gzip input (every member of a concatenation, as gzip(1) does) and checks what
/// <see cref="GZipStream"/> does not: that the data ends with a complete member. Also enforces the inflate limits.
/// </summary>
/// <remarks>
/// <para>
/// zlib checks the CRC-32 and length trailer of every member it finishes, but <see cref="GZipStream"/> returns a
/// quiet end of stream when the compressed bytes run out in the middle of a member (a cut download, a partial copy),
/// and when a member is followed by bytes that are not another member. Both would silently lose data, so at the end
/// the last 8 compressed bytes must be the trailer (CRC-32, then ISIZE = length mod 2^32) of the output since the
/// last member started.
/// </para>
/// <para>
/// Member starts are found without parsing deflate data: the compressed bytes are handed to the inflater in reads
/// that stop just before every <c>1f 8b 08</c> (with valid flag bits). When the inflater asks for the bytes at such a
/// position it has consumed everything before it, and, at a real member boundary, has delivered the whole member's
/// output (<see cref="DeflateStream"/> returns output before it reads more input). The position is accepted as a
/// member start only when the 8 bytes before it are the trailer of the output since the previous start, so a magic
/// that occurs by chance inside deflate data is ignored.
/// </para>
/// </remarks>
internal sealed class GzipTextStream : ReadOnlyStream
{
    /// <summary>The ratio limit applies only past this much output: small files of repeated text compress very well.</summary>
    internal const long RatioCheckFloor = 64L << 20;

    private readonly MemberFeed _feed;
    private readonly GZipStream _gzip;
    private readonly Crc32 _memberCrc = new();
    private readonly long _maxBytes;
    private readonly int _maxRatio;
    private long _total;
    private long _memberStart;
    private bool _ended;

    public GzipTextStream(Stream compressed, long maxInflatedBytes, int maxInflateRatio)
    {
        _feed = new MemberFeed(compressed, this);
        _gzip = new GZipStream(_feed, CompressionMode.Decompress, leaveOpen: false);
        _maxBytes = maxInflatedBytes;
        _maxRatio = maxInflateRatio;
    }

    /// <summary>True when the native inflater was tried first and could not inflate the whole file (see <c>InputDecoder.OpenNative</c>).</summary>
    public bool AfterNativeFailure { get; init; }

    /// <summary>Gzip members completed so far.</summary>
    public int Members { get; private set; }

    /// <summary>Inflated bytes delivered so far.</summary>
    public long InflatedBytes => _total;

    public override int Read(Span<byte> buffer)
    {
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        int n;
        try
        {
            n = _gzip.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            // zlib's messages ("unsupported compression method" for a bad CRC) mislead; say what and where instead.
            throw new InvalidDataException($"damaged gzip data (bad header, block or CRC) at or before compressed byte {_feed.Consumed}", ex);
        }

        if (n == 0)
        {
            _ended = true;
            VerifyEnd();
            return 0;
        }

        _memberCrc.Append(buffer[..n]);
        _total += n;
        if (_total > _maxBytes)
        {
            throw new InflateLimitException($"inflated past the limit of {_maxBytes} bytes");
        }

        if (_total > RatioCheckFloor && _total / Math.Max(1, _feed.Consumed) > _maxRatio)
        {
            throw new InflateLimitException($"inflates more than {_maxRatio}:1 ({_total} bytes from {_feed.Consumed})");
        }

        return n;
    }

    /// <summary>The compressed data ended: it must end with the trailer of the member being read.</summary>
    private void VerifyEnd()
    {
        // GZipStream reads to the end today even past garbage; draining makes the check independent of that.
        if (_feed.DrainRemainder() > 0 || !_feed.TryGetTrailerBefore(_feed.Consumed, out uint crc, out uint size) || !IsTrailerOfCurrentMember(crc, size))
        {
            throw new InvalidDataException("gzip stream ends before its trailer (file truncated?) or has data after its last member");
        }

        Members++;
    }

    private bool IsTrailerOfCurrentMember(uint crc, uint size) =>
        size == (uint)(_total - _memberStart) && crc == _memberCrc.GetCurrentHashAsUInt32();

    /// <summary>Called when the inflater asks for the bytes at a possible member start.</summary>
    private void AtPossibleMemberStart(uint crc, uint size)
    {
        if (IsTrailerOfCurrentMember(crc, size))
        {
            Members++;
            _memberStart = _total;
            _memberCrc.Reset();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The compressed bytes, served in reads that stop before each possible member start.</summary>
    private sealed class MemberFeed(Stream inner, GzipTextStream owner) : ReadOnlyStream
    {
        private const int History = 8; // bytes kept before the read position: a trailer
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _pos;
        private int _len;
        private long _bufferOffset; // compressed offset of _buffer[0]
        private long _announced = -1; // last possible member start reported to the owner
        private bool _eof;

        /// <summary>Compressed bytes handed to the inflater.</summary>
        public long Consumed => _bufferOffset + _pos;

        public override int Read(Span<byte> destination)
        {
            if (destination.IsEmpty)
            {
                return 0;
            }

            // Four bytes are needed to recognise a member header at the read position.
            while (_len - _pos < 4 && !_eof)
            {
                Fill();
            }

            if (_pos == _len)
            {
                return 0;
            }

            long here = Consumed;
            if (here > 0 && here != _announced && IsMemberHeader(_pos))
            {
                _announced = here;
                if (TryGetTrailerBefore(here, out uint crc, out uint size))
                {
                    owner.AtPossibleMemberStart(crc, size);
                }
            }

            // Only the bytes about to be served are searched: the inflater asks for 8 KiB at a time, and searching the
            // whole 64 KiB buffer on every call scanned each compressed byte about eight times.
            int limit = NextPossibleStart(_pos + 1, (int)Math.Min(_len, (long)_pos + destination.Length));
            int n = Math.Min(destination.Length, limit - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(destination);
            _pos += n;
            return n;
        }

        /// <summary>Reads and discards what the inflater left; returns how many bytes that was.</summary>
        public long DrainRemainder()
        {
            long drained = _len - _pos;
            _pos = _len;
            while (!_eof)
            {
                Fill();
                drained += _len - _pos;
                _pos = _len;
            }

            return drained;
        }

        /// <summary>The CRC-32 and ISIZE in the 8 bytes before compressed offset <paramref name="offset"/> (which must be buffered).</summary>
        public bool TryGetTrailerBefore(long offset, out uint crc, out uint size)
        {
            int at = (int)(offset - _bufferOffset);
            if (at < History || at > _len)
            {
                crc = size = 0;
                return false;
            }

            crc = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at - 8, 4));
            size = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at - 4, 4));
            return true;
        }

        /// <summary>
        /// The index of the next possible member start in [<paramref name="from"/>, <paramref name="until"/>), or
        /// <paramref name="until"/> when there is none there.
        /// </summary>
        private int NextPossibleStart(int from, int until)
        {
            while (from < until)
            {
                int k = _buffer.AsSpan(from, until - from).IndexOf((byte)0x1F);
                if (k < 0)
                {
                    break;
                }

                k += from;
                if (k + 4 > _len && !_eof)
                {
                    return k; // a header may straddle the next read: hold these bytes back until it can be told
                }

                if (IsMemberHeader(k))
                {
                    return k;
                }

                from = k + 1;
            }

            return until;
        }

        /// <summary>ID1 ID2 CM=deflate, and FLG without reserved bits (RFC 1952 §2.3.1).</summary>
        private bool IsMemberHeader(int i) =>
            i + 4 <= _len && _buffer[i] == 0x1F && _buffer[i + 1] == 0x8B && _buffer[i + 2] == 8 && (_buffer[i + 3] & 0xE0) == 0;

        private void Fill()
        {
            // Keep the last bytes before the read position: they are the trailer when a member starts here.
            int keep = Math.Min(_pos, History);
            int drop = _pos - keep;
            if (drop > 0)
            {
                _buffer.AsSpan(drop, _len - drop).CopyTo(_buffer);
                _bufferOffset += drop;
                _pos -= drop;
                _len -= drop;
            }

            int n = inner.Read(_buffer, _len, _buffer.Length - _len);
            if (n == 0)
            {
                _eof = true;
            }

            _len += n;
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
