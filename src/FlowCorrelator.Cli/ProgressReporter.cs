using System.Diagnostics;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli;

/// <summary>Progress on stderr ("files done / total, records"), only when stderr is a terminal.</summary>
internal sealed class ProgressReporter : IProgress<FileReport>
{
    private readonly TextWriter _error;
    private readonly int _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private int _done;
    private long _records;
    private long _lastDrawMs = -1000;

    private ProgressReporter(TextWriter error, int total)
    {
        _error = error;
        _total = total;
    }

    public static IProgress<FileReport>? For(CliConsole console, int total) =>
        console.ShowProgress && total > 1 ? new ProgressReporter(console.Error, total) : null;

    public void Report(FileReport value)
    {
        lock (_gate)
        {
            _done++;
            _records += value.Records;
            long now = _clock.ElapsedMilliseconds;
            if (now - _lastDrawMs < 250 && _done < _total)
            {
                return;
            }

            _lastDrawMs = now;
            double rate = _records / Math.Max(0.001, _clock.Elapsed.TotalSeconds);
            _error.Write($"\r{_done}/{_total} files, {_records:N0} records, {rate:N0} records/s ");
            if (_done == _total)
            {
                _error.WriteLine();
            }
        }
    }
}
