using BenchmarkDotNet.Attributes;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Benchmarks.Ingest;

/// <summary>Reading the generated scenario's CloudTrail files (gzip JSON, every file and event) from memory, per call.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Ingest")]
public class CloudTrailReaderBenchmarks
{
    private LogInput[] _inputs = [];
    private readonly CloudTrailReader _reader = new();

    [GlobalSetup]
    public void Setup() => _inputs = BenchmarkScenario.Instance.CloudTrailInputs;

    [Benchmark]
    public int ReadAll() => _reader.ReadAll(_inputs, new IngestDiagnostics()).Events.Count;
}
