using System.CommandLine;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli.Commands;

/// <summary><c>flowcorrelator demo</c>: runs the main job on the demo data shipped in samples/.</summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("demo", "Run FlowCorrelator on the embedded demo data (samples/).");
        command.SetAction((parse, ct) =>
        {
            string samples = DemoData.Locate();
            console.Error.WriteLine($"Demo data: {samples}");
            return CliApp.RunAsync(["flows", Path.Combine(samples, "flowlogs")], console.Out, console.Error, ct);
        });
        return command;
    }
}

/// <summary>Finds the samples folder: next to the executable (copied at build) or up from the working directory.</summary>
internal static class DemoData
{
    public static string Locate()
    {
        string? fromBase = Path.Combine(AppContext.BaseDirectory, "samples");
        if (Directory.Exists(fromBase))
        {
            return fromBase;
        }

        for (DirectoryInfo? dir = new(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "FlowCorrelator.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("The demo data (samples/) was not found next to the program or above the current folder.");
    }
}
