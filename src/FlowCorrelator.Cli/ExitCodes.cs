namespace FlowCorrelator.Cli;

/// <summary>Process exit codes (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Every input was read.</summary>
    public const int Success = 0;

    /// <summary>
    /// Results were printed, but some input could not be read, or the evidence a question needs (CloudTrail, flow
    /// logs) was not read at all (see diagnostics).
    /// </summary>
    public const int InputProblems = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The run failed before any answer: a source could not be listed or opened at all, or held no flow-log,
    /// CloudTrail or snapshot file (without <c>--allow-empty</c>).
    /// </summary>
    public const int Failure = 3;
}
