using BenchmarkDotNet.Attributes;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Benchmarks.Queries;

/// <summary>
/// The one pass's per-record step over in-memory records (no parsing, no inflate): question 1 alone, question 5
/// alone, and both as <c>investigate</c> runs them. Per record; a fresh sink per call, as per thread in the engine.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Queries")]
public class InvestigationSinkBenchmarks
{
    private EnvironmentIndex _index = EnvironmentIndex.Empty;
    private FlowRecord[] _records = [];
    private InvestigationOptions _accessOnly = InvestigationOptions.Default;
    private InvestigationOptions _rulesOnly = InvestigationOptions.Default;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkScenario scenario = BenchmarkScenario.Instance;
        _index = scenario.Workspace.Index;
        _records = scenario.Records;
        _accessOnly = InvestigationOptions.Default with { Access = scenario.Query };
        _rulesOnly = InvestigationOptions.Default;
    }

    [Benchmark(OperationsPerInvoke = 50_000)]
    public int Question1() => Run(new InvestigationSink(_index, _accessOnly, ruleUsage: false));

    [Benchmark(OperationsPerInvoke = 50_000)]
    public int Question5() => Run(new InvestigationSink(_index, _rulesOnly));

    [Benchmark(OperationsPerInvoke = 50_000)]
    public int Questions1And5() => Run(new InvestigationSink(_index, _accessOnly));

    private int Run(InvestigationSink sink)
    {
        foreach (ref readonly FlowRecord r in _records.AsSpan())
        {
            sink.Add(r);
        }

        return sink.FleetAccess.Totals.Count;
    }
}
