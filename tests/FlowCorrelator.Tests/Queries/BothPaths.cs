using System.Collections.Immutable;
using System.Text.Json;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Queries;

/// <summary>
/// Questions 1, 5 and 6 over records in memory, every way the library answers them: the LINQ reference
/// (<see cref="Investigations.FleetAccess"/>, <see cref="Investigations.RuleUsage"/>), the shipped one-pass sink
/// (<see cref="Investigations.Run(EnvironmentIndex, IEnumerable{FlowRecord}, InvestigationOptions)"/>), and the same
/// sink over the records dealt to two sinks then merged, as the file pass merges its threads. Asserts that all three
/// give the same rows (compared as their JSON) and returns them in canonical order, for the test's own assertions.
/// </summary>
internal static class BothPaths
{
    /// <summary>Question 1 all three ways.</summary>
    public static ImmutableArray<AccessAttempt> FleetAccess(EnvironmentIndex index, IReadOnlyList<FlowRecord> records, AccessQuery query, ScannerList? scanners = null)
    {
        var options = InvestigationOptions.Default with { Access = query, Scanners = scanners ?? ScannerList.BuiltIn };
        ImmutableArray<AccessAttempt> linq = new InvestigationResult { AccessAttempts = Investigations.FleetAccess(index, records, query, scanners) }.Canonical().AccessAttempts;
        AssertSame("question 1, one pass vs LINQ", Investigations.Run(index, records, options).AccessAttempts, linq);
        AssertSame("question 1, two merged sinks vs LINQ", TwoSinks(index, records, options).AccessAttempts, linq);
        return linq;
    }

    /// <summary>Question 5 all three ways.</summary>
    public static ImmutableArray<RuleUsage> RuleUsage(EnvironmentIndex index, IReadOnlyList<FlowRecord> records, ScannerList? scanners = null)
    {
        var options = InvestigationOptions.Default with { Scanners = scanners ?? ScannerList.BuiltIn };
        ImmutableArray<RuleUsage> linq = new InvestigationResult { RuleUsage = Investigations.RuleUsage(index, records, scanners) }.Canonical().RuleUsage;
        AssertSame("question 5, one pass vs LINQ", Investigations.Run(index, records, options).RuleUsage, linq);
        AssertSame("question 5, two merged sinks vs LINQ", TwoSinks(index, records, options).RuleUsage, linq);
        return linq;
    }

    /// <summary>Question 6 all three ways (with an optional window, as <c>--from</c>/<c>--to</c> give it).</summary>
    public static ImmutableArray<Exposure> Exposures(EnvironmentIndex index, IReadOnlyList<FlowRecord> records, ScannerList? scanners = null, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var options = InvestigationOptions.Default with { Scanners = scanners ?? ScannerList.BuiltIn, From = from, To = to };
        ImmutableArray<Exposure> linq = new InvestigationResult { Exposures = Investigations.Exposures(index, records, scanners, from, to) }.Canonical().Exposures;
        AssertSame("question 6, one pass vs LINQ", Investigations.Run(index, records, options).Exposures, linq);
        AssertSame("question 6, two merged sinks vs LINQ", TwoSinks(index, records, options).Exposures, linq);
        return linq;
    }

    /// <summary>Even records to one sink, odd to another, merged: per-thread totals must combine to the same rows.</summary>
    private static InvestigationResult TwoSinks(EnvironmentIndex index, IReadOnlyList<FlowRecord> records, InvestigationOptions options)
    {
        var first = new InvestigationSink(index, options);
        var second = new InvestigationSink(index, options);
        for (int i = 0; i < records.Count; i++)
        {
            (i % 2 == 0 ? first : second).Add(records[i]);
        }

        first.Merge(second);
        return Investigations.Finish(index, options, first);
    }

    private static void AssertSame<T>(string what, ImmutableArray<T> actual, ImmutableArray<T> expected)
    {
        string[] a = [.. actual.Select(r => JsonSerializer.Serialize(r, FindingsJson.Options))];
        string[] e = [.. expected.Select(r => JsonSerializer.Serialize(r, FindingsJson.Options))];
        Assert.That(a, Is.EqualTo(e), what);
    }
}
