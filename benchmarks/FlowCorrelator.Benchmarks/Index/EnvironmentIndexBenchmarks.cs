using BenchmarkDotNet.Attributes;
using FlowCorrelator.Index;

namespace FlowCorrelator.Benchmarks.Index;

/// <summary>The index's as-of lookups, with keys and times taken from the scenario's own flow records.</summary>
[MemoryDiagnoser]
[BenchmarkCategory("Index")]
public class EnvironmentIndexBenchmarks
{
    private const int Lookups = 4096;
    private EnvironmentIndex _index = EnvironmentIndex.Empty;
    private FlowRecord[] _records = [];
    private string[] _groups = [];

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkScenario scenario = BenchmarkScenario.Instance;
        _index = scenario.Workspace.Index;
        var random = new Random(7);
        _records = [.. Enumerable.Range(0, Lookups).Select(_ => scenario.Records[random.Next(scenario.Records.Length)])];
        _groups = [.. _records.Select(r => _index.InterfaceAt(r.InterfaceId, r.Start)?.Groups.FirstOrDefault() ?? "sg-none")];
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int InterfaceAt()
    {
        int found = 0;
        foreach (FlowRecord r in _records)
        {
            found += _index.InterfaceAt(r.InterfaceId, r.Start) is null ? 0 : 1;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int IngressRulesAt()
    {
        int rules = 0;
        for (int i = 0; i < _records.Length; i++)
        {
            rules += _index.IngressRulesAt(_groups[i], _records[i].Start).Length;
        }

        return rules;
    }

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int InterfaceOfAddress()
    {
        int found = 0;
        foreach (FlowRecord r in _records)
        {
            found += _index.InterfaceOfAddress(r.DstAddr, r.Start) is null ? 0 : 1;
        }

        return found;
    }
}
