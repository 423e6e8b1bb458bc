using System.CommandLine;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>flowcorrelator demo</c>: runs <c>investigate</c> on the demo scenario shipped in samples/demo, and writes the
/// HTML report (by default to <see cref="DefaultReportPath"/>, in the temporary folder so that a demo never litters
/// the working folder or fails on a read-only one; the path is printed on stderr).
/// </summary>
internal static class DemoCommand
{
    /// <summary>Where the demo's HTML report goes unless <c>--report</c> says otherwise.</summary>
    public static string DefaultReportPath => Path.Combine(Path.GetTempPath(), "flowcorrelator-demo-report.html");

    public static Command Create(CliConsole console)
    {
        var format = new Option<string>("--format") { Description = "table (default), json, csv, markdown or html.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv", "markdown", "html");
        var report = new Option<string>("--report") { Description = "Where to write the HTML report (default: flowcorrelator-demo-report.html in the temporary folder).", DefaultValueFactory = _ => DefaultReportPath };
        var command = new Command("demo", "Run 'investigate' on the embedded demo data: a payment fleet under SSH brute force while port 22 is opened to the world.");
        command.Options.Add(format);
        var limit = new Option<int>("--limit") { Description = "Rows shown per question in table format (0 = all).", DefaultValueFactory = _ => 12 };
        command.Options.Add(limit);
        command.Options.Add(report);
        command.SetAction((parse, ct) =>
        {
            string demo = DemoData.Locate();
            console.Error.WriteLine($"Demo data: {demo} (see its README.md for the story)");
            // The report names its evidence as the user would type it: relative when the demo data is below here.
            string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), demo);
            string shown = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? demo : relative;
            return CliApp.RunAsync(["investigate", shown, "--tag", "Name=payment", "--port", "22", "--format", parse.GetValue(format)!, "--limit", parse.GetValue(limit).ToString(System.Globalization.CultureInfo.InvariantCulture), "--report", parse.GetValue(report)!], console.Out, console.Error, ct);
        });
        return command;
    }
}

/// <summary>Finds samples/demo: next to the executable (copied at build) or up from the working directory.</summary>
internal static class DemoData
{
    public static string Locate()
    {
        string fromBase = Path.Combine(AppContext.BaseDirectory, "samples", "demo");
        if (Directory.Exists(fromBase))
        {
            return fromBase;
        }

        for (DirectoryInfo? dir = new(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "samples", "demo");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "FlowCorrelator.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("The demo data (samples/demo) was not found next to the program or above the current folder.");
    }
}
