using FlowCorrelator.Cli;

namespace FlowCorrelator.Tests.Cli;

/// <summary>Runs the CLI in process with captured output, as the CLI tests do.</summary>
internal static class CliRun
{
    /// <summary>The exit code, standard output and standard error of one command line.</summary>
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.RunAsync(args, stdout, stderr).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
