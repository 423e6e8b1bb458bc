using System.Buffers;
using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace FlowCorrelator.Aws;

/// <summary>
/// Forward-only stream over one S3 object that survives dropped connections, throttling and server faults: it backs
/// off, then resumes with a ranged GET from the first byte not yet delivered, so no byte reaches the reader twice and
/// no record is counted twice. After <see cref="S3SourceOptions.MaxReadRetries"/> consecutive failures it throws an
/// <see cref="IOException"/> naming the object, which the readers report for that file.
/// </summary>
/// <remarks>
/// The first response pins the object's ETag; every resumed GET asks for that ETag (<c>If-Match</c>), so an object
/// overwritten mid-read fails cleanly instead of splicing two versions together.
/// </remarks>
internal sealed class ResumableObjectStream : Stream
{
    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly S3SourceOptions _options;
    private readonly CancellationToken _openToken;
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _position;
    private long? _length;
    private string? _etag;
    private int _failures;
    private bool _disposed;

    public ResumableObjectStream(IAmazonS3 client, string bucket, string key, S3SourceOptions options, CancellationToken cancellationToken)
    {
        _client = client;
        _bucket = bucket;
        _key = key;
        _options = options;
        _openToken = cancellationToken;
    }

    /// <summary>Bytes delivered so far.</summary>
    public long BytesDelivered => _position;

    /// <summary>The ETag of the object being read, once the first response arrived.</summary>
    public string? ETag => _etag;

    /// <summary>How many times a GET was issued after the first (resumptions), for diagnostics and tests.</summary>
    public int Resumptions { get; private set; }

    private string Uri => S3Location.Scheme + _bucket + "/" + _key;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length ?? throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        // Sync-over-async is deliberate: the readers are synchronous and run on their own threads (Parallel.ForEach),
        // and the SDK only offers async calls; there is no synchronisation context to deadlock on.
        return ReadCoreAsync(buffer.AsMemory(offset, count), _openToken).AsTask().GetAwaiter().GetResult();
    }

    public override int Read(Span<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_openToken.CanBeCanceled)
        {
            return ReadCoreAsync(buffer, cancellationToken);
        }

        return ReadLinkedAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> ReadLinkedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_openToken, cancellationToken);
        return await ReadCoreAsync(buffer, linked.Token).ConfigureAwait(false);
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || (_length is long known && _position >= known))
        {
            return 0;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception failure;
            try
            {
                _body ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.ReadIdleTimeout);
                int n = await _body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                if (n > 0)
                {
                    _position += n;
                    _failures = 0;
                    return n;
                }

                if (_length is not long length || _position >= length)
                {
                    return 0;
                }

                // The body ended before Content-Length: a connection closed without an error.
                failure = new IOException($"the connection closed at byte {_position} of {length}");
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                throw new IOException($"{Uri}: the object changed while it was read (ETag is no longer {_etag}); read it again", ex);
            }
            catch (Exception ex) when (S3Errors.IsTransient(ex, cancellationToken))
            {
                failure = ex;
            }
            catch (AmazonS3Exception ex)
            {
                throw new IOException($"{Uri}: {(string.IsNullOrEmpty(ex.ErrorCode) ? ((int)ex.StatusCode).ToString(CultureInfo.InvariantCulture) : ex.ErrorCode)}", ex);
            }

            CloseBody();
            _failures++;
            if (_failures > _options.MaxReadRetries)
            {
                throw new IOException($"{Uri}: read failed after {_failures} attempts at byte {_position}: {Reason(failure)}", failure);
            }

            await Task.Delay(Backoff(_failures), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = _key };
        bool resuming = _position > 0;
        if (resuming)
        {
            Resumptions++;
            request.ByteRange = _length is long length ? new ByteRange(_position, length - 1) : new ByteRange($"bytes={_position}-");
            request.EtagToMatch = _etag;
        }

        GetObjectResponse response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
        _response = response;
        if (!resuming)
        {
            _etag = response.ETag;
            _length = response.ContentLength;
            return response.ResponseStream;
        }

        if (response.HttpStatusCode == HttpStatusCode.PartialContent)
        {
            long start = RangeStart(response.ContentRange);
            if (start != _position)
            {
                throw new IOException($"asked to resume at byte {_position}, the server answered from byte {start}");
            }

            return response.ResponseStream;
        }

        // The store ignored the range and sent the whole object: drop what was already delivered.
        Stream body = response.ResponseStream;
        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long skip = _position;
            while (skip > 0)
            {
                int n = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, skip)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"the object is shorter than the {_position} bytes already read");
                }

                skip -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return body;
    }

    private static long RangeStart(string? contentRange)
    {
        // "bytes 100-199/200"
        if (contentRange is null || !contentRange.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return -1;
        }

        int dash = contentRange.IndexOf('-', StringComparison.Ordinal);
        return dash > 6 && long.TryParse(contentRange.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out long start) ? start : -1;
    }

    private TimeSpan Backoff(int failures)
    {
        double ms = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        ms = Math.Min(ms, _options.MaxRetryDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter only spreads retries of parallel readers apart; it is not a security decision.
        ms *= 0.75 + (Random.Shared.NextDouble() * 0.5);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(ms);
    }

    private static string Reason(Exception ex) => ex switch
    {
        AmazonS3Exception s3 => string.IsNullOrEmpty(s3.ErrorCode) ? "HTTP " + ((int)s3.StatusCode).ToString(CultureInfo.InvariantCulture) : s3.ErrorCode,
        OperationCanceledException => "no data within the read timeout",
        _ => S3Errors.FindConnectionFailure(ex) ?? ex.Message,
    };

    private void CloseBody()
    {
        _body = null;
        GetObjectResponse? response = _response;
        _response = null;
        try
        {
            response?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
        {
            // A broken connection may fail again while closing; the next attempt opens a fresh one.
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            CloseBody();
        }

        base.Dispose(disposing);
    }
}
