namespace FlowCorrelator.Ingest;

/// <summary>
/// Where every reader puts what it could not read: the file's <see cref="FileReport"/> counts and samples the
/// problem with its position, and in strict mode (<see cref="ReaderOptions.Strict"/>) the problem then stops the run
/// as a <see cref="LogFormatException"/>. One value per file; copying it is free (two references' worth).
/// </summary>
internal readonly struct ProblemSink
{
    private readonly FileReport _report;
    private readonly bool _strict;

    /// <summary>A sink that reports into <paramref name="report"/> and throws when <paramref name="strict"/>.</summary>
    public ProblemSink(FileReport report, bool strict)
    {
        _report = report;
        _strict = strict;
    }

    /// <summary>A sink for <paramref name="report"/> under <paramref name="options"/>' strictness.</summary>
    public ProblemSink(FileReport report, ReaderOptions options)
        : this(report, options.Strict)
    {
    }

    /// <summary>
    /// A line or record that could not be read: counted in <see cref="FileReport.Malformed"/>, kept as a sample,
    /// and the rest of the file is read (unless strict).
    /// </summary>
    /// <param name="line">1-based line (or row) number, 0 when the position is a byte offset only.</param>
    /// <param name="offset">Byte offset in the decompressed stream.</param>
    /// <param name="reason">Category.</param>
    /// <param name="message">Detail.</param>
    /// <param name="excerpt">The offending bytes, escaped into the sample (at most 200 characters).</param>
    /// <exception cref="LogFormatException">In strict mode.</exception>
    public void Add(long line, long offset, ProblemReason reason, string message, ReadOnlySpan<byte> excerpt) =>
        Add(line, offset, reason, message, InputProblem.MakeExcerpt(excerpt));

    /// <summary>As <see cref="Add(long, long, ProblemReason, string, ReadOnlySpan{byte})"/>, with the excerpt already made (or none).</summary>
    /// <exception cref="LogFormatException">In strict mode.</exception>
    public void Add(long line, long offset, ProblemReason reason, string message, string? excerpt)
    {
        var problem = new InputProblem(_report.Path, line, offset, reason, message, excerpt);
        _report.AddProblem(problem);
        if (_strict)
        {
            ThrowHelper.ThrowLogFormat(problem);
        }
    }

    /// <summary>
    /// A problem that ends the file (damaged compression, I/O error, unsupported format): kept as
    /// <see cref="FileReport.FatalError"/> and as a sample; the records before it are kept.
    /// </summary>
    /// <exception cref="LogFormatException">In strict mode.</exception>
    public void Fail(long offset, ProblemReason reason, string message)
    {
        var problem = new InputProblem(_report.Path, 0, offset, reason, message, null);
        _report.Fail(problem);
        if (_strict)
        {
            ThrowHelper.ThrowLogFormat(problem);
        }
    }
}
