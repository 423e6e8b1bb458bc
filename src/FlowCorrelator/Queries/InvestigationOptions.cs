using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>What to ask and how to read. Immutable; change with <c>with</c>.</summary>
public sealed record InvestigationOptions
{
    /// <summary>Defaults: no question 1, the built-in scanner list, no window.</summary>
    public static InvestigationOptions Default { get; } = new();

    /// <summary>Question 1's parameters; null to skip question 1.</summary>
    public AccessQuery? Access { get; init; }

    /// <summary>Known scanners (question 5 noise; the <c>scanner</c> flag of question 1).</summary>
    public ScannerList Scanners { get; init; } = ScannerList.BuiltIn;

    /// <summary>Flow records starting before this are ignored; rule changes and attachments before it are not listed.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Flow records starting at or after this are ignored; rules removed at or after it are not "revoked".</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Also count question 1's records per minute (<see cref="InvestigationResult.FleetActivity"/>), for the HTML
    /// report's chart. Off by default: it costs a dictionary probe per fleet record.
    /// </summary>
    public bool FleetActivity { get; init; }

    /// <summary>How flow files are read.</summary>
    public ReaderOptions Reader { get; init; } = ReaderOptions.Default;
}
