using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.ExceptionServices;

namespace FlowCorrelator.Ingest;

/// <summary>The native (libdeflate) path for gzip inputs.</summary>
internal static partial class InputDecoder
{
    /// <summary>Largest compressed file the native inflater takes whole; bigger ones stream through the managed one.</summary>
    internal const int NativeMaxInput = 32 << 20;

    /// <summary>
    /// Most output the native inflater produces for one file: <see cref="GzipTextStream.RatioCheckFloor"/>, below which
    /// the managed path never applies the ratio limit, so a file the native inflater finishes is one the managed path
    /// would read without a limit problem too (see <see cref="OpenNative"/>).
    /// </summary>
    internal const int NativeMaxOutput = (int)GzipTextStream.RatioCheckFloor;

    /// <summary>Bytes <see cref="Sniff"/> reads (and its stream hands out in one first read).</summary>
    private const int SniffLength = 4;

    /// <summary>Which inflater a stream from <c>OpenText</c> is: native, managed, or <c>null</c> for an input that is not gzip.</summary>
    public static (Inflater? Inflater, bool AfterNativeFailure) InflaterOf(Stream text) => text switch
    {
        InflatedStream => (Inflater.Native, false),
        GzipTextStream gzip => (Inflater.Managed, gzip.AfterNativeFailure),
        _ => (null, false),
    };

    /// <summary>
    /// Reads the whole compressed input and inflates it with libdeflate. On any failure (damaged or truncated data,
    /// bytes after the last member, output past <see cref="NativeMaxOutput"/> or <see cref="ReaderOptions.MaxInflatedBytes"/>,
    /// an I/O error while reading the compressed bytes) nothing has been handed to the reader yet, so the file is read
    /// from its first byte by the managed path (<see cref="GzipTextStream"/>) over the bytes already read followed by
    /// the rest: that one path decides what is kept and says what is wrong and where, so the records and diagnostics are
    /// the managed path's, byte for byte, whichever inflater was asked for. Reproducing its positions (the decompressed
    /// offset at which zlib gave up, the complete lines before it) from libdeflate's all-or-nothing answer is not
    /// possible: libdeflate does not say how much of the output is good.
    /// </summary>
    private static Stream OpenNative(Stream sniffed, long? rawLength, ReaderOptions options, Libdeflate native)
    {
        // One byte over the known length: reading it back as end of file proves the length was right.
        byte[] gz = ArrayPool<byte>.Shared.Rent(rawLength is long n ? (int)n + 1 : 1 << 20);
        int length = 0;
        ExceptionDispatchInfo? readError = null;
        try
        {
            while (true)
            {
                if (length == gz.Length)
                {
                    if (length >= NativeMaxInput)
                    {
                        // Too big to take whole: the managed path streams it (not a failure of the native inflater).
                        return new GzipTextStream(new ReplayStream(gz, length, sniffed, null), options.MaxInflatedBytes, options.MaxInflateRatio);
                    }

                    byte[] bigger = ArrayPool<byte>.Shared.Rent(gz.Length * 2);
                    gz.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(gz);
                    gz = bigger;
                }

                int read = sniffed.Read(gz, length, gz.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (IOException ex)
        {
            // Read again by the managed path, which meets the same error after the same compressed bytes.
            readError = ExceptionDispatchInfo.Capture(ex);
        }

        if (readError is null)
        {
            long sizeHint = length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(length - 4)) : 0;
            int maxOutput = (int)Math.Min(options.MaxInflatedBytes, NativeMaxOutput);
            if (native.TryInflate(gz.AsSpan(0, length), sizeHint, maxOutput, out byte[] output, out int inflated))
            {
                ArrayPool<byte>.Shared.Return(gz);
                sniffed.Dispose();
                return new InflatedStream(output, inflated);
            }
        }

        return new GzipTextStream(new ReplayStream(gz, length, sniffed, readError), options.MaxInflatedBytes, options.MaxInflateRatio) { AfterNativeFailure = true };
    }

    /// <summary>A whole file inflated by libdeflate, in a pooled buffer returned on dispose.</summary>
    private sealed class InflatedStream(byte[] buffer, int length) : ReadOnlyStream
    {
        private byte[]? _buffer = buffer;
        private int _pos;

        public override int Read(Span<byte> destination)
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            int n = Math.Min(destination.Length, length - _pos);
            _buffer.AsSpan(_pos, n).CopyTo(destination);
            _pos += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// The compressed bytes already read (a pooled buffer, returned on dispose), then the rest of the input, or the
    /// error that stopped reading it. Served in the pieces the input itself gave the managed path (the sniffed first
    /// bytes alone, then as much as asked for, as a file or memory stream does), because the managed path's message
    /// names the compressed position it had reached, which depends on them.
    /// </summary>
    private sealed class ReplayStream(byte[] head, int headLength, Stream rest, ExceptionDispatchInfo? error) : ReadOnlyStream
    {
        private byte[]? _head = head;
        private int _pos;

        public override int Read(Span<byte> destination)
        {
            ObjectDisposedException.ThrowIf(_head is null, this);
            if (_pos < headLength)
            {
                int piece = _pos < SniffLength ? SniffLength - _pos : headLength - _pos;
                int n = Math.Min(destination.Length, Math.Min(piece, headLength - _pos));
                _head.AsSpan(_pos, n).CopyTo(destination);
                _pos += n;
                return n;
            }

            error?.Throw();
            return rest.Read(destination);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _head is not null)
            {
                ArrayPool<byte>.Shared.Return(_head);
                _head = null;
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
