using System.Collections.Concurrent;
using System.Web;
using Amazon.Runtime;

namespace FlowCorrelator.Tests.S3;

/// <summary>
/// Records every ListObjectsV2 request below the SDK, on the wire, in the order it is sent, and how many were in flight
/// at once. Optionally delays them (the latency of a distant S3) or lets a test break one on its way to the server.
/// </summary>
internal sealed class CountingHttpClientFactory : HttpClientFactory
{
    private readonly ConcurrentDictionary<string, int> _sent = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Each request's prefix, followed by <c> after START</c> when it starts after a key.</summary>
    public ConcurrentQueue<string> ListPrefixes { get; } = new();

    /// <summary>
    /// Each request as <c>tree PREFIX</c> (a delimiter listing: one level) or <c>flat PREFIX</c> (every key below),
    /// followed by <c> after START</c> and <c> next page</c> when it has them.
    /// </summary>
    public ConcurrentQueue<string> Listings { get; } = new();

    /// <summary>Listing requests sent and not yet answered (the response headers not yet received).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most listing requests that were in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Added before each listing request is sent.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// Called before each listing request is sent with the request, its <see cref="Listings"/> form and how many times
    /// that listing was sent before (SDK retries): it may alter the request (for the server to refuse it), wait, or
    /// throw (a dropped connection).
    /// </summary>
    public Func<HttpRequestMessage, string, int, Task>? Intercept { get; init; }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class CountingHandler(CountingHttpClientFactory owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Get || request.RequestUri is not { } uri)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var query = HttpUtility.ParseQueryString(uri.Query);
            if (query["list-type"] != "2")
            {
                return await base.SendAsync(request, cancellationToken);
            }

            string prefix = query["prefix"] ?? string.Empty;
            string after = query["start-after"] is { } start ? " after " + start : string.Empty;
            owner.ListPrefixes.Enqueue(prefix + after);
            string kind = string.IsNullOrEmpty(query["delimiter"]) ? "flat " : "tree ";
            string page = query["continuation-token"] is null ? string.Empty : " next page";
            string listing = kind + prefix + after + page;
            owner.Listings.Enqueue(listing);
            int sentBefore = owner._sent.AddOrUpdate(listing, 1, (_, n) => n + 1) - 1;

            int now = Interlocked.Increment(ref owner._inFlight);
            for (int max = owner.MaxInFlight; now > max && Interlocked.CompareExchange(ref owner._maxInFlight, now, max) != max; max = owner.MaxInFlight)
            {
            }

            try
            {
                if (owner.Latency > TimeSpan.Zero)
                {
                    await Task.Delay(owner.Latency, cancellationToken);
                }

                if (owner.Intercept is { } intercept)
                {
                    await intercept(request, listing, sentBefore);
                }

                return await base.SendAsync(request, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref owner._inFlight);
            }
        }
    }
}
