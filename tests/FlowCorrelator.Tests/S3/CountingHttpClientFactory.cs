using System.Collections.Concurrent;
using System.Web;
using Amazon.Runtime;

namespace FlowCorrelator.Tests.S3;

/// <summary>Records every ListObjectsV2 request below the SDK, on the wire, in the order it is sent.</summary>
internal sealed class CountingHttpClientFactory : HttpClientFactory
{
    /// <summary>Each request's prefix, followed by <c> after START</c> when it starts after a key.</summary>
    public ConcurrentQueue<string> ListPrefixes { get; } = new();

    /// <summary>
    /// Each request as <c>tree PREFIX</c> (a delimiter listing: one level) or <c>flat PREFIX</c> (every key below),
    /// followed by <c> after START</c> and <c> next page</c> when it has them.
    /// </summary>
    public ConcurrentQueue<string> Listings { get; } = new();

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class CountingHandler(CountingHttpClientFactory owner) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get && request.RequestUri is { } uri)
            {
                var query = HttpUtility.ParseQueryString(uri.Query);
                if (query["list-type"] == "2")
                {
                    string prefix = query["prefix"] ?? string.Empty;
                    string after = query["start-after"] is { } start ? " after " + start : string.Empty;
                    owner.ListPrefixes.Enqueue(prefix + after);
                    string kind = string.IsNullOrEmpty(query["delimiter"]) ? "flat " : "tree ";
                    string page = query["continuation-token"] is null ? string.Empty : " next page";
                    owner.Listings.Enqueue(kind + prefix + after + page);
                }
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
