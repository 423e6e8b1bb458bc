using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FlowCorrelator.Aws;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary><c>flowcorrelator mirror s3://… --output DIR</c>: copy an S3 log archive (pruned like a read) to a local folder, or verify a copy.</summary>
internal static class MirrorCommand
{
    public static Command Create(CliConsole console)
    {
        var source = new Argument<string?>("source")
        {
            Description = "s3://bucket/prefix to mirror (not needed with --verify).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "Local folder; each object is saved under its key, with a manifest (.flowcorrelator-manifest.json).",
            Required = true,
        };
        var verify = new Option<bool>("--verify")
        {
            Description = "Download nothing: re-hash the local files against the manifest and report missing or changed ones (exit code 1).",
        };
        var parallel = new Option<int>("--parallel")
        {
            Description = "Objects downloaded at once.",
            DefaultValueFactory = _ => 4,
        };
        var window = new SourceOptions();
        var command = new Command("mirror", "Download the S3 log objects a read would use (same --from/--to/--account/--region-filter pruning) into a local folder; skips what is already there.");
        command.Arguments.Add(source);
        command.Options.Add(output);
        command.Options.Add(verify);
        command.Options.Add(parallel);
        command.Options.Add(window.From);
        command.Options.Add(window.To);
        command.Options.Add(window.Accounts);
        command.Options.Add(window.Regions);
        RemoteSources.AddOptions(command);
        command.SetAction(async (parse, ct) =>
        {
            string directory = parse.GetValue(output)!;
            if (parse.GetValue(verify))
            {
                return Verify(console, directory, ct);
            }

            string? location = parse.GetValue(source);
            if (string.IsNullOrWhiteSpace(location) || !location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException("mirror needs an s3://bucket/prefix source (or --verify).");
            }

            int degree = parse.GetValue(parallel);
            if (degree < 1)
            {
                throw new UsageException("--parallel must be at least 1.");
            }

            using S3LogSource s3 = RemoteSources.CreateS3(parse);
            return await Mirror(console, new S3Mirror(s3, degree), location, directory, window.Filter(parse), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> Mirror(CliConsole console, S3Mirror mirror, string location, string directory, Ingest.SourceFilter filter, CancellationToken cancellationToken)
    {
        MirrorResult result;
        try
        {
            result = await mirror.RunAsync(location, directory, filter, new StderrProgress(console.Error), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException)
        {
            throw new UsageException(ex.Message);
        }

        console.Out.WriteLine(
            $"mirrored {SafeText.ForDisplay(location)} to {SafeText.ForDisplay(directory)}: {Num(result.Listed)} objects listed, {Num(result.Downloaded)} downloaded ({Num(result.BytesDownloaded)} bytes), " +
            $"{Num(result.Skipped)} skipped (already present), {Num(result.Problems.Count)} refused or failed.");
        foreach (MirrorProblem p in result.Problems)
        {
            console.Error.WriteLine("error: " + SafeText.ForDisplay(p.Message));
        }

        return result.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.InputProblems;
    }

    private static int Verify(CliConsole console, string directory, CancellationToken cancellationToken)
    {
        VerifyResult result;
        try
        {
            result = S3Mirror.Verify(directory, cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException(ex.Message);
        }

        foreach (MirrorProblem p in result.Problems)
        {
            console.Out.WriteLine($"{SafeText.ForDisplay(p.Key)}: {SafeText.ForDisplay(p.Message)}");
        }

        console.Out.WriteLine(result.Ok
            ? $"verified {Num(result.Checked)} files: all match the manifest."
            : $"verified {Num(result.Checked)} files: {Num(result.Problems.Count)} missing or changed.");
        return result.Ok ? ExitCodes.Success : ExitCodes.InputProblems;
    }

    private static string Num(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One stderr line per refused or failed object, and a download line at most every 250 ms.</summary>
    private sealed class StderrProgress(TextWriter error) : IProgress<MirrorProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _gate = new();
        private long _lastMs = -1000;

        public void Report(MirrorProgress value)
        {
            lock (_gate)
            {
                long now = _clock.ElapsedMilliseconds;
                bool notable = value.Action is MirrorAction.Refused or MirrorAction.Failed;
                if (!notable && now - _lastMs < 250 && value.Done < value.Total)
                {
                    return;
                }

                _lastMs = now;
                string what = value.Action switch
                {
                    MirrorAction.Downloaded => "downloaded",
                    MirrorAction.Skipped => "skipped",
                    MirrorAction.Refused => "refused",
                    _ => "failed",
                };
                error.WriteLine($"[{value.Done}/{value.Total}] {what} {SafeText.ForDisplay(value.Uri)}");
            }
        }
    }
}
