namespace FlowCorrelator.Cli;

/// <summary>Process exit codes (documented in the README).</summary>
internal static class ExitCodes
{
    /// <summary>Every input was read.</summary>
    public const int Success = 0;

    /// <summary>Results were printed, but some input could not be read (see diagnostics).</summary>
    public const int InputProblems = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>The run failed (a source could not be listed or opened at all, an internal error).</summary>
    public const int Failure = 3;
}
