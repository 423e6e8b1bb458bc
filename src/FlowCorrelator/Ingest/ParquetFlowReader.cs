namespace FlowCorrelator.Ingest;

/// <summary>Reads flow logs delivered as Parquet.</summary>
internal static class ParquetFlowReader
{
    public static void Read(Stream stream, FileReport report, IFlowRecordSink sink, ReaderOptions options, CancellationToken cancellationToken)
    {
        _ = stream;
        _ = sink;
        _ = options;
        _ = cancellationToken;
        report.Fail(new InputProblem(report.Path, 0, 0, ProblemReason.UnsupportedFormat, "Parquet reading is being written", null));
    }
}
