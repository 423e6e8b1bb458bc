using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(FlowCorrelator.Benchmarks.BenchmarkMarker).Assembly).Run(args);

namespace FlowCorrelator.Benchmarks
{
    /// <summary>Anchor for assembly lookup.</summary>
    internal static class BenchmarkMarker;
}
