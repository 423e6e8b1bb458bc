using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Benchmarks;

/// <summary>
/// A small generated scenario (v2, seed 1) shared by the index, CloudTrail and query benchmarks: the files are
/// written once per process to a temporary folder and read into memory, so benchmarks time no disk I/O.
/// </summary>
internal sealed class BenchmarkScenario
{
    private static readonly Lazy<BenchmarkScenario> s_instance = new(() => new BenchmarkScenario(50_000));

    private BenchmarkScenario(long flowLines)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fc-bench-{Environment.ProcessId}");
        try
        {
            var options = ScenarioOptions.Default with { Seed = 1, FlowLines = flowLines, Format = ScenarioFormat.V2 };
            ScenarioGenerator.Write(dir, options);
            Workspace = Workspace.Load([dir]);
            Query = new AccessQuery { TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, Protocol = options.AccessProtocol };
            CloudTrailInputs = [.. Workspace.Inputs.CloudTrail.Select(i => LogInput.FromBytes(i.Name, ReadAll(i)))];
            var records = new List<FlowRecord>();
            var reader = new FlowLogReader(ReaderOptions.Default with { MaxParallelism = 1 });
            foreach (LogInput input in Workspace.Inputs.FlowLogs)
            {
                reader.Read(input, new CollectingSink(records));
            }

            Records = [.. records];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static BenchmarkScenario Instance => s_instance.Value;

    public Workspace Workspace { get; }

    public AccessQuery Query { get; }

    /// <summary>The scenario's CloudTrail files, as in-memory inputs.</summary>
    public LogInput[] CloudTrailInputs { get; }

    /// <summary>Every flow record of the scenario, parsed.</summary>
    public FlowRecord[] Records { get; }

    private static byte[] ReadAll(LogInput input)
    {
        using Stream s = input.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private sealed class CollectingSink(List<FlowRecord> records) : IFlowRecordSink
    {
        public void OnRecord(in FlowRecord record, in FlowLine line) => records.Add(record);
    }
}
