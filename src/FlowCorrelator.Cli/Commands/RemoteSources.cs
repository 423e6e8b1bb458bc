using System.CommandLine;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli.Commands;

/// <summary>Options and providers for non-local sources (s3://).</summary>
internal static class RemoteSources
{
    public static void AddOptions(Command command)
    {
        _ = command;
    }

    public static IEnumerable<IRemoteLogSource> Create(ParseResult parse)
    {
        _ = parse;
        return [];
    }
}
