using System.CommandLine;

namespace FlowCorrelator.Cli;

/// <summary>Every subcommand. Each lives in its own file under Commands/.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console)
    {
        foreach (Command command in Commands.InvestigateCommand.CreateAll(console))
        {
            yield return command;
        }

        yield return Commands.FlowsCommand.Create(console);
        yield return Commands.TimelineCommand.Create(console);
        yield return Commands.DemoCommand.Create(console);
        yield return Commands.MirrorCommand.Create(console);
        yield return Commands.GenerateCommand.Create(console);
        yield return Commands.ExportIndexCommand.Create(console);
        yield return Commands.SqlCommand.Create(console);
        yield return Commands.QueryCommand.Create(console);
        yield return Commands.EnrichCommand.Create(console);
    }
}
