using System.CommandLine;
using FlowCorrelator.Ingest;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli;

/// <summary>Builds the command tree; separate from Main so tests can run commands in-process.</summary>
internal static class CliApp
{
    /// <remarks>
    /// Every message printed here can hold log content (a strict-mode problem quotes an event id) or a path, so each
    /// goes through <see cref="SafeText.ForDisplay"/>.
    /// </remarks>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var console = new CliConsole(stdout, stderr);
        RootCommand root = Build(console);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(error.Message)).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'flowcorrelator --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            // Without this, System.CommandLine catches every exception itself and prints its raw message and stack trace:
            // the handlers below (exit codes, terminal-safe messages) would never run.
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(ex.Message)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(ex.Message)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (LogFormatException ex)
        {
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(ex.Message)).ConfigureAwait(false);
            return ExitCodes.InputProblems;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (EmptySourceException ex)
        {
            // Before any answer is printed: a wrong path or prefix must not pass for "nothing happened".
            string[] lines = ex.Message.Split('\n');
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(lines[0])).ConfigureAwait(false);
            foreach (string line in lines.Skip(1))
            {
                await stderr.WriteLineAsync(SafeText.ForDisplay(line)).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("  (--allow-empty runs anyway and lists the empty sources in the diagnostics)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (FlowCorrelator.Ingest.SourceException ex)
        {
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(ex.Message)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // An output file or folder that cannot be written, or a side file (--noise-cidrs) that cannot be read.
            await stderr.WriteLineAsync("error: " + SafeText.ForDisplay(ex.Message)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    internal static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("FlowCorrelator: correlate VPC flow logs with CloudTrail, offline.");
        foreach (Command command in CommandCatalog.Create(console))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}

/// <summary>Where commands write: results to <see cref="Out"/>, progress and errors to <see cref="Error"/>.</summary>
internal sealed class CliConsole(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Progress is shown only when stderr is a terminal and output is the real console.</summary>
    public bool ShowProgress => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;
}

/// <summary>A command-line mistake found after parsing (bad combination, bad value); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

