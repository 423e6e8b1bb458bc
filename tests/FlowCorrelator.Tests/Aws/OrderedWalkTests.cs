using FlowCorrelator.Aws;

namespace FlowCorrelator.Tests.Aws;

/// <summary>
/// The ordered concurrent walk alone, over random trees whose listings finish in random order (some at once, some
/// after a few milliseconds): the items of a one-at-a-time depth-first walk, listings never more than the bound at
/// once nor more than the look-ahead ahead of the consumer, and a failure where the sequential walk meets it. No
/// server, so these run without Node (S3ListerTests covers the same over S3).
/// </summary>
public sealed class OrderedWalkTests
{
    private static readonly int[] Seeds = [1, 2, 3, 4, 5, 6, 7, 8];

    [Test]
    public void Run_RandomTrees_ItemsInDepthFirstOrderWithinTheBounds([ValueSource(nameof(Seeds))] int seed, [Values(1, 3, 8)] int concurrency)
    {
        var tree = new RandomTree(seed, concurrency * 4);

        List<int> items = [.. tree.Walk()];

        Assert.That(items, Is.EqualTo(tree.DepthFirst));
        Assert.That(tree.MaxRunning, Is.LessThanOrEqualTo(concurrency));
        // One more than the look-ahead for the head, and one for the node being handed out as the consumer counts it.
        Assert.That(tree.MaxAhead, Is.LessThanOrEqualTo(tree.MaxAheadAllowed + 2));
        if (concurrency == 1)
        {
            Assert.That(tree.StartOrder, Is.EqualTo(tree.DepthFirst), "one at a time: listed in walk order");
        }
        else
        {
            Assert.That(tree.MaxRunning, Is.GreaterThan(1));
        }
    }

    [Test]
    public void Run_OneListingFails_ItemsBeforeItThenItsOwnException([ValueSource(nameof(Seeds))] int seed, [Values(1, 8)] int concurrency)
    {
        var tree = new RandomTree(seed, concurrency * 4);
        int failing = tree.DepthFirst[new Random(seed).Next(1, tree.DepthFirst.Count)];
        var failure = new InvalidOperationException("listing " + failing + " failed");
        tree.Fail(failing, failure);
        var items = new List<int>();

        var thrown = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (int item in tree.Walk())
            {
                items.Add(item);
            }
        });

        Assert.That(thrown, Is.SameAs(failure));
        Assert.That(items, Is.EqualTo(tree.DepthFirst.TakeWhile(i => i != failing)));
        Assert.That(tree.Running, Is.Zero, "nothing is left running after the walk ends");
    }

    [Test]
    public void Run_Cancelled_ThrowsAndLeavesNothingRunning()
    {
        var tree = new RandomTree(3, 16);
        using var cancel = new CancellationTokenSource();
        int seen = 0;

        Assert.That(() =>
        {
            foreach (int item in tree.Walk(cancel.Token))
            {
                if (++seen == 5)
                {
                    cancel.Cancel();
                }
            }
        }, Throws.InstanceOf<OperationCanceledException>());

        Assert.That(seen, Is.EqualTo(5));
        Assert.That(tree.Running, Is.Zero);
    }

    [Test]
    public void Run_NothingAskedFor_NothingListed()
    {
        var tree = new RandomTree(1, 16);

        IEnumerable<int> walk = tree.Walk();

        Assert.That(tree.StartOrder, Is.Empty);
        Assert.That(walk.First(), Is.EqualTo(0));
        Assert.That(tree.Running, Is.Zero);
    }

    /// <summary>
    /// A random tree of numbered nodes; each listing returns its number and its children, after a random short delay
    /// or at once, and records how many listings run and how far ahead of the consumer the walk is.
    /// </summary>
    private sealed class RandomTree
    {
        private readonly Dictionary<int, int[]> _children = [];
        private readonly Dictionary<int, int> _delays = [];
        private readonly Dictionary<int, Exception> _failures = [];
        private readonly Lock _gate = new();
        private readonly List<int> _started = [];
        private int _running;
        private int _maxRunning;
        private int _consumed;
        private int _maxAhead;

        public RandomTree(int seed, int maxAhead)
        {
            MaxAheadAllowed = maxAhead;
            var random = new Random(seed);
            int count = 1;
            var pending = new Queue<(int Node, int Depth)>([(0, 0)]);
            while (pending.TryDequeue(out var next))
            {
                int fanOut = next.Depth >= 5 ? 0 : random.Next(next.Depth == 0 ? 3 : 0, 6);
                int[] children = [.. Enumerable.Range(count, fanOut)];
                count += fanOut;
                _children[next.Node] = children;
                _delays[next.Node] = random.Next(-2, 4); // negative: completes at once
                foreach (int child in children)
                {
                    pending.Enqueue((child, next.Depth + 1));
                }
            }

            DepthFirst = [];
            AddDepthFirst(0);
        }

        public List<int> DepthFirst { get; }

        public int MaxAheadAllowed { get; }

        public int MaxRunning => Volatile.Read(ref _maxRunning);

        public int MaxAhead => Volatile.Read(ref _maxAhead);

        public int Running => Volatile.Read(ref _running);

        public List<int> StartOrder
        {
            get
            {
                lock (_gate)
                {
                    return [.. _started];
                }
            }
        }

        public void Fail(int node, Exception error) => _failures[node] = error;

        public IEnumerable<int> Walk(CancellationToken cancellationToken = default)
        {
            foreach (int item in OrderedWalk.Run(Node(0), MaxAheadAllowed / 4, MaxAheadAllowed, cancellationToken))
            {
                Interlocked.Increment(ref _consumed);
                yield return item;
            }
        }

        private WalkNode<int> Node(int id) => new(ct => List(id, ct));

        private async Task<WalkListing<int>> List(int id, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _started.Add(id);
                _running++;
                _maxRunning = Math.Max(_maxRunning, _running);
                _maxAhead = Math.Max(_maxAhead, _started.Count - Volatile.Read(ref _consumed));
            }

            try
            {
                if (_delays[id] >= 0)
                {
                    await Task.Delay(_delays[id], cancellationToken);
                }

                if (_failures.TryGetValue(id, out Exception? failure))
                {
                    throw failure;
                }

                return new WalkListing<int>([id], [.. _children[id].Select(Node)]);
            }
            finally
            {
                lock (_gate)
                {
                    _running--;
                }
            }
        }

        private void AddDepthFirst(int node)
        {
            DepthFirst.Add(node);
            foreach (int child in _children[node])
            {
                AddDepthFirst(child);
            }
        }
    }
}
