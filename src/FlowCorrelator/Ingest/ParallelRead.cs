using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace FlowCorrelator.Ingest;

/// <summary>
/// How the readers read many files at once. Biggest first (ties by name, ordinal), handed out one at a time: a large
/// file that started last would leave the other threads idle while it finishes. A strict-mode
/// <see cref="LogFormatException"/> (or the cancellation) comes out as itself, not wrapped in the parallel loop's
/// <see cref="AggregateException"/>, so callers see the same exception as from a single-file read.
/// </summary>
internal static class ParallelRead
{
    /// <summary>
    /// Calls <paramref name="read"/> with the index of every input on up to <paramref name="maxParallelism"/>
    /// threads; each thread starts with <paramref name="localInit"/>'s state, threads it through its reads, and hands it
    /// to <paramref name="localFinally"/> at the end (calls from different threads may overlap).
    /// </summary>
    /// <exception cref="LogFormatException">A read threw it (strict mode).</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static void ForEach<TLocal>(
        IReadOnlyList<LogInput> inputs,
        int maxParallelism,
        Func<TLocal> localInit,
        Func<int, TLocal, TLocal> read,
        Action<TLocal> localFinally,
        CancellationToken cancellationToken)
    {
        int[] schedule = [.. Enumerable.Range(0, inputs.Count).OrderByDescending(i => inputs[i].Length ?? 0).ThenBy(i => inputs[i].Name, StringComparer.Ordinal)];
        try
        {
            Parallel.ForEach(
                Partitioner.Create(schedule, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken },
                localInit,
                (i, _, local) => read(i, local),
                localFinally);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0 && ex.InnerExceptions.All(e => e is LogFormatException or OperationCanceledException))
        {
            // Strict mode stops at the first problem: surface that problem, not the wrapper. Anything else (a bug)
            // stays wrapped, with every thread's exception.
            ExceptionDispatchInfo.Capture(ex.InnerExceptions.OfType<LogFormatException>().FirstOrDefault() ?? ex.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Calls <paramref name="read"/> with the index of every input, as the stateful overload does.</summary>
    /// <exception cref="LogFormatException">A read threw it (strict mode).</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public static void ForEach(IReadOnlyList<LogInput> inputs, int maxParallelism, Action<int> read, CancellationToken cancellationToken) =>
        ForEach(
            inputs,
            maxParallelism,
            static () => 0,
            (i, none) =>
            {
                read(i);
                return none;
            },
            static _ => { },
            cancellationToken);
}
