using System.Buffers;

namespace FlowCorrelator.Ingest;

/// <summary>
/// A sliding window over a decompressed stream: the unconsumed bytes stay at the front, more are read on demand, and
/// the buffer grows only up to a cap so that one oversized value cannot exhaust memory.
/// </summary>
internal sealed class JsonWindow : IDisposable
{
    private const int InitialSize = 1 << 16;
    private readonly Stream _source;
    private readonly int _capacityLimit;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset; // stream offset of _buffer[0]

    public JsonWindow(Stream source, int capacityLimit)
    {
        _source = source;
        _capacityLimit = Math.Max(capacityLimit, InitialSize);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    }

    /// <summary>True once the source returned no more bytes.</summary>
    public bool Eof { get; private set; }

    /// <summary>True when the last <see cref="More"/> failed because the buffer is full at its cap.</summary>
    public bool AtCapacity { get; private set; }

    /// <summary>The unconsumed bytes.</summary>
    public ReadOnlySpan<byte> Available => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The unconsumed bytes as memory (valid until the next <see cref="Advance"/> or <see cref="More"/>).</summary>
    public ReadOnlyMemory<byte> AvailableMemory => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Stream offset of the first unconsumed byte.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>Stream offset just past the last byte read.</summary>
    public long BytesRead => _bufferOffset + _end;

    public void Advance(int count) => _start += count;

    /// <summary>
    /// Reads more bytes behind the unconsumed ones. Returns false at the end of the source, or when the buffer is full
    /// at its cap (<see cref="AtCapacity"/>). Decompression and I/O errors propagate.
    /// </summary>
    public bool More()
    {
        AtCapacity = false;
        if (Eof)
        {
            return false;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _capacityLimit)
            {
                AtCapacity = true;
                return false;
            }

            byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, _capacityLimit));
            _buffer.AsSpan(0, _end).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        int n = _source.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            Eof = true;
            return false;
        }

        _end += n;
        return true;
    }

    /// <summary>Skips whitespace (and a UTF-8 byte-order mark); false at the end of the data.</summary>
    public bool SkipWhitespace()
    {
        while (true)
        {
            ReadOnlySpan<byte> span = Available;
            int i = 0;
            while (i < span.Length && span[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
            }

            if (i < span.Length && span[i] == 0xEF && span.Length - i >= 3 && span[i + 1] == 0xBB && span[i + 2] == 0xBF)
            {
                Advance(i + 3);
                continue;
            }

            Advance(i);
            if (i < span.Length)
            {
                return true;
            }

            if (!More())
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
