using System.Runtime.ExceptionServices;

namespace FlowCorrelator.Aws;

/// <summary>
/// One listing of a tree walk: when run, it returns its own items and the nodes below it, both in walk order. What
/// the walk returns for a node is its items, then what it returns for each child in turn (depth first).
/// </summary>
/// <remarks>A node belongs to one walk, and its listing is run at most once.</remarks>
internal sealed class WalkNode<T>(Func<CancellationToken, Task<WalkListing<T>>> list)
{
    internal enum NodeState
    {
        Waiting,
        Running,
        Listed,
        Failed,
    }

    public Func<CancellationToken, Task<WalkListing<T>>> List { get; } = list;

    // The fields below belong to the walk and are guarded by its lock.
    internal NodeState State { get; set; }

    /// <summary>The node after this one in walk order, among those not yet handed out.</summary>
    internal WalkNode<T>? Next { get; set; }

    /// <summary>Set when the listing is over; then exactly one of <see cref="Items"/> and <see cref="Error"/> is set.</summary>
    internal TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal IReadOnlyList<T>? Items { get; set; }

    // Kept beside the node rather than faulting Done: a failure after the point where the consumer stopped is never
    // observed, and must not surface later as an unobserved task exception.
    internal ExceptionDispatchInfo? Error { get; set; }
}

/// <summary>What one listing found: its items and the nodes below it, each in walk order.</summary>
internal readonly record struct WalkListing<T>(IReadOnlyList<T> Items, IReadOnlyList<WalkNode<T>> Children);

/// <summary>
/// Walks a tree whose nodes are known only once their parent is listed (S3 folders), running several listings at
/// once, and returns the items in exactly the order, and with exactly the listings, of a one-at-a-time depth-first
/// walk.
/// </summary>
/// <remarks>
/// The nodes not yet handed to the consumer form one linked list in walk order. When a listing completes its children
/// are linked in right after it, so the list is always the depth-first order of the tree known so far, and a free slot
/// goes to the first node of the list not yet started: with one slot the listings are made in the order of a
/// sequential walk; with more, the ones the consumer needs soonest still go first. The consumer takes the head of the
/// list once it is listed, and meets a failure exactly where a sequential walk would have stopped: at the first failed
/// node in walk order, whatever failed first in time. Look-ahead is bounded: at most <c>maxAhead</c> nodes are started
/// and not yet handed out (each holds one listing), and nothing after a failed node is started.
/// </remarks>
internal static class OrderedWalk
{
    /// <summary>The items below <paramref name="root"/> in walk order; lazy, nothing is listed before the first item is asked for.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>The first listing failure in walk order is thrown as it was thrown by the listing, after the items before it.</remarks>
    public static IEnumerable<T> Run<T>(WalkNode<T> root, int maxConcurrency, int maxAhead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAhead, maxConcurrency);
        return Iterate(root, maxConcurrency, maxAhead, cancellationToken);
    }

    private static IEnumerable<T> Iterate<T>(WalkNode<T> root, int maxConcurrency, int maxAhead, CancellationToken cancellationToken)
    {
        // Disposed when the consumer stops, early or not: in-flight listings are cancelled and awaited, so no request
        // outlives the enumeration (or the client it uses).
        using var walk = new Walk<T>(root, maxConcurrency, maxAhead, cancellationToken);
        while (walk.TakeNext() is { } items)
        {
            foreach (T item in items)
            {
                yield return item;
            }
        }
    }

    private sealed class Walk<T> : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly CancellationToken _userToken;
        private readonly CancellationTokenSource _cancel;
        private readonly int _maxConcurrency;
        private readonly int _maxAhead;
        private WalkNode<T>? _head;
        private int _running;
        private int _ahead;
        private bool _closed;
        private TaskCompletionSource? _drained;

        public Walk(WalkNode<T> root, int maxConcurrency, int maxAhead, CancellationToken cancellationToken)
        {
            _head = root;
            _maxConcurrency = maxConcurrency;
            _maxAhead = maxAhead;
            _userToken = cancellationToken;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        /// <summary>The items of the next node in walk order, waiting for its listing; null when the walk is over.</summary>
        public IReadOnlyList<T>? TakeNext()
        {
            _userToken.ThrowIfCancellationRequested();
            WalkNode<T> node;
            lock (_gate)
            {
                if (_head is null)
                {
                    return null;
                }

                node = _head;
                Schedule();
            }

            // Sync-over-async: IRemoteLogSource.Enumerate is synchronous. The listings run on the thread pool and never
            // capture a context, so blocking here cannot deadlock them.
            node.Done.Task.WaitAsync(_userToken).GetAwaiter().GetResult();
            node.Error?.Throw(); // the listing's own exception (e.g. SourceException), not an AggregateException
            IReadOnlyList<T> items = node.Items!;
            lock (_gate)
            {
                // The children were linked in after the node when it was listed.
                _head = node.Next;
                node.Next = null;
                _ahead--;
                Schedule();
            }

            return items;
        }

        /// <summary>Cancels what is in flight and waits for it: after this no listing of the walk runs.</summary>
        public void Dispose()
        {
            Task? drained = null;
            lock (_gate)
            {
                _closed = true;
                if (_running > 0)
                {
                    _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    drained = _drained.Task;
                }
            }

            _cancel.Cancel();
            drained?.GetAwaiter().GetResult();
            _cancel.Dispose();
        }

        /// <summary>Starts the first waiting nodes in walk order while slots and look-ahead allow. Under the lock.</summary>
        private void Schedule()
        {
            if (_closed || _cancel.IsCancellationRequested)
            {
                return;
            }

            // Visits at most the started nodes not yet handed out (bounded by the look-ahead) plus the ones it starts.
            for (WalkNode<T>? n = _head; n is not null && _running < _maxConcurrency; n = n.Next)
            {
                if (n.State == WalkNode<T>.NodeState.Failed)
                {
                    break; // the consumer stops there: nothing after it is needed
                }

                if (n.State != WalkNode<T>.NodeState.Waiting)
                {
                    continue;
                }

                // The head is always started, else a look-ahead full of later nodes would wait for it forever.
                if (_ahead >= _maxAhead && n != _head)
                {
                    break;
                }

                n.State = WalkNode<T>.NodeState.Running;
                _running++;
                _ahead++;
                // Task.Run: the listing starts on the thread pool, never inline under this lock nor on a caller's context.
                // (A copy: the lambda runs later, when the loop variable has moved on.)
                WalkNode<T> started = n;
                _ = Task.Run(() => ListAsync(started));
            }
        }

        /// <summary>Runs one node's listing and links its children in; never throws (the failure goes to the node).</summary>
        private async Task ListAsync(WalkNode<T> node)
        {
            WalkListing<T> listing = default;
            Exception? error = null;
            try
            {
                listing = await node.List(_cancel.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            TaskCompletionSource? drained = null;
            lock (_gate)
            {
                _running--;
                if (error is null)
                {
                    WalkNode<T>? after = node.Next;
                    WalkNode<T> last = node;
                    foreach (WalkNode<T> child in listing.Children)
                    {
                        last.Next = child;
                        last = child;
                    }

                    last.Next = after;
                    node.Items = listing.Items;
                    node.State = WalkNode<T>.NodeState.Listed;
                }
                else
                {
                    node.Error = ExceptionDispatchInfo.Capture(error);
                    node.State = WalkNode<T>.NodeState.Failed;
                }

                Schedule();
                if (_running == 0)
                {
                    drained = _drained;
                }
            }

            node.Done.SetResult();
            drained?.SetResult();
        }
    }
}
