using FlowCorrelator.Cli;
using FlowCorrelator.Queries.AdHoc;

namespace FlowCorrelator.Tests.Queries.AdHoc;

/// <summary>
/// Query expressions are compiled before anything is read: wrong ones fail with the option, the identifier and what
/// was expected; anything outside the allow-list (reflection, files, processes, constructors, other types' members)
/// is refused.
/// </summary>
public sealed class FlowQueryCompileTests
{
    [TestCase("dstport == 22 && protocol == 6 && action == \"ACCEPT\" && direction == \"inbound\" && instanceRunning && tag(\"Name\") == \"payment\"")]
    [TestCase("inCidr(srcAddr, \"198.51.100.0/24\") || inCidr(dstaddr, \"2001:db8::/32\")")]
    [TestCase("start >= \"2026-03-02T10:00:00Z\" && end < \"2026-03-03T00:00:00Z\"")]
    [TestCase("srcaddr == \"198.51.100.7\" && interfaceId == \"eni-0123456789abcdef0\"")]
    [TestCase("hasGroup(\"sg-1\") || matchesRule(\"sgr-1\") || peerTag(\"env\") == \"prod\" || instanceId.StartsWith(\"i-0\")")]
    [TestCase("!scanner && bytes / packets > 1000 && (dstport < 1024 || dstport % 2 == 0)")]
    [TestCase("SUBNETID == \"subnet-1\" and logStatus == \"OK\"")]
    public void Compile_ValidExpression_Compiles(string where)
    {
        FlowQuery q = FlowQuery.Compile(where);

        Assert.That(q.Where, Is.EqualTo(where));
        Assert.That(q.Columns.Select(c => c.Name), Is.EqualTo(new[] { "count" }));
    }

    [Test]
    public void Compile_TextColumn_IsTheOnlyOneCopiedFromLines()
    {
        Assert.That(FlowQuery.Compile("subnetId == \"subnet-1\" && dstport == 22").TextFields, Is.EqualTo(new[] { FlowCorrelator.Ingest.FlowField.SubnetId }));
        Assert.That(FlowQuery.Compile("dstport == 22 && tag(\"Name\") == \"x\"").TextFields, Is.Empty);
    }

    [Test]
    public void Compile_UnknownField_NamesItAndSuggests()
    {
        QueryException ex = Assert.Throws<QueryException>(() => FlowQuery.Compile("dstprot == 22"))!;

        Assert.That(ex.Argument, Is.EqualTo("--where"));
        Assert.That(ex.Identifier, Is.EqualTo("dstprot"));
        Assert.That(ex.Position, Is.EqualTo(0));
        Assert.That(ex.Message, Does.Contain("unknown field 'dstprot'").And.Contain("did you mean 'dstport'"));
    }

    [TestCase("dstport == \"x\"", "dstport", "whole number")]
    [TestCase("action == 5", "action", "text in double quotes")]
    [TestCase("srcaddr == \"1.2.3\"", "srcaddr", "IP address")]
    [TestCase("start >= \"yesterday\"", "start", "ISO 8601 time")]
    [TestCase("protocol == 6 && bytes > \"many\"", "bytes", "whole number")]
    public void Compile_LiteralOfTheWrongType_NamesTheFieldAndWhatWasExpected(string where, string field, string expected)
    {
        QueryException ex = Assert.Throws<QueryException>(() => FlowQuery.Compile(where))!;

        Assert.That(ex.Identifier, Is.EqualTo(field));
        Assert.That(ex.Message, Does.Contain($"'{field}' cannot be compared").And.Contain(expected));
    }

    [TestCase("dstport == 22 &&", "--where")]
    [TestCase("dstport", "--where")]
    [TestCase("inCidr(srcaddr, \"not-a-block\")", "--where")]
    [TestCase("inCidr(srcaddr, action)", "--where")]
    public void Compile_BadWhere_IsAQueryError(string where, string argument)
    {
        QueryException ex = Assert.Throws<QueryException>(() => FlowQuery.Compile(where))!;

        Assert.That(ex.Argument, Is.EqualTo(argument));
        Assert.That(ex.Reason, Is.Not.Empty);
    }

    [Test]
    public void Compile_BadAggregates_SayWhatWasExpected()
    {
        Assert.That(Assert.Throws<QueryException>(() => FlowQuery.Compile(null, "srcaddr", "sum(action)"))!.Message, Does.Contain("sum() needs a number").And.Contain("'action' is text"));
        Assert.That(Assert.Throws<QueryException>(() => FlowQuery.Compile(null, "srcaddr", "median(bytes)"))!.Message, Does.Contain("'median' is not an aggregate"));
        Assert.That(Assert.Throws<QueryException>(() => FlowQuery.Compile(null, "srcaddr", "count, count"))!.Message, Does.Contain("two result columns are named 'count'"));
        Assert.That(Assert.Throws<QueryException>(() => FlowQuery.Compile(null, "srcaddr", "count", "nosuch desc"))!.Message, Does.Contain("unknown column 'nosuch'"));
        Assert.That(Assert.Throws<QueryException>(() => FlowQuery.Compile(null, "srcadr"))!.Argument, Is.EqualTo("--group-by"));
    }

    [Test]
    public void Compile_GroupBySelect_NamesColumns()
    {
        FlowQuery q = FlowQuery.Compile("action == \"REJECT\"", "srcaddr, tag(\"Name\") as fleet", "count, sum(bytes) as bytesIn, countDistinct(dstport), first, last, max(start)");

        Assert.That(q.Columns.Select(c => c.Name), Is.EqualTo(new[] { "srcaddr", "fleet", "count", "bytesIn", "countDistinct(dstport)", "first", "last", "max(start)" }));
        Assert.That(q.Columns.Select(c => c.Kind), Is.EqualTo(new[] { QueryColumnKind.Text, QueryColumnKind.Text, QueryColumnKind.Number, QueryColumnKind.Number, QueryColumnKind.Number, QueryColumnKind.Time, QueryColumnKind.Time, QueryColumnKind.Time }));
    }

    /// <summary>Expressions that would reach reflection, files, processes or arbitrary types: every one is refused at compile time.</summary>
    [TestCase("srcaddr.GetType().Assembly != null")]
    [TestCase("GetType() != null")]
    [TestCase("it.GetType().Name == \"EnrichedFlow\"")]
    [TestCase("action.GetType().Assembly.FullName == \"\"")]
    [TestCase("System.IO.File.Exists(\"/etc/passwd\")")]
    [TestCase("File.ReadAllText(\"/etc/passwd\") != \"\"")]
    [TestCase("System.IO.File.WriteAllText(\"PWNED_PATH\", \"x\") == null")]
    [TestCase("System.Diagnostics.Process.Start(\"sh\") != null")]
    [TestCase("Process.GetCurrentProcess().Id > 0")]
    [TestCase("Activator.CreateInstance(\"System.IO.FileInfo\") != null")]
    [TestCase("typeof(string) != null")]
    [TestCase("Type.GetType(\"System.IO.File\") != null")]
    [TestCase("Environment.Exit(1) == 1")]
    [TestCase("AppDomain.CurrentDomain != null")]
    [TestCase("Math.Max(bytes, 1) > 0")]
    [TestCase("Convert.ToString(dstport) == \"22\"")]
    [TestCase("new(1 as a) != null")]
    [TestCase("Record.ToString() != \"\"")]
    [TestCase("Interface.InstanceTags != null")]
    [TestCase("action.GetHashCode() == 1")]
    [TestCase("srcaddr.ToString() == \"x\"")]
    [TestCase("\"x\".Normalize() == \"x\"")]
    [TestCase("DateTime.Now > start")]
    public void Compile_HostileExpression_IsRefused(string hostile)
    {
        string marker = Path.Combine(Path.GetTempPath(), "fc-pwned-" + Guid.NewGuid().ToString("N"));
        string where = hostile.Replace("PWNED_PATH", marker, StringComparison.Ordinal);

        QueryException ex = Assert.Throws<QueryException>(() => FlowQuery.Compile(where))!;

        Assert.That(ex.Message, Does.Contain("not allowed").Or.Contain("cannot be called").Or.Contain("unknown field").Or.Contain("Unknown identifier").Or.Contain("not found").Or.Contain("does not exist").Or.Contain("expected").Or.Contain("cannot be compiled"));
        Assert.That(File.Exists(marker), Is.False, "nothing ran");
    }

    [TestCase("tag(\"x\").GetType().Name == \"String\"")]
    [TestCase("countDistinct(srcaddr.GetType())")]
    public void Compile_HostileAggregateOrKey_IsRefused(string hostile)
    {
        Assert.Throws<QueryException>(() => FlowQuery.Compile(null, hostile.StartsWith("count", StringComparison.Ordinal) ? "srcaddr" : hostile, hostile.StartsWith("count", StringComparison.Ordinal) ? hostile : null));
    }

    [Test]
    public void Cli_BadExpression_ExitsWithUsageBeforeReadingAnySource()
    {
        // The source does not exist: had the command touched it first, the error would be about the path.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.RunAsync(["query", "/nonexistent/flowcorrelator-source", "--where", "dstprot == 22"], stdout, stderr).GetAwaiter().GetResult();

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("--where: unknown field 'dstprot'").And.Not.Contain("nonexistent"));
        Assert.That(stdout.ToString(), Is.Empty);
    }

    [Test]
    public void Cli_HostileEnrichFilter_ExitsWithUsage()
    {
        var stderr = new StringWriter();
        int exit = CliApp.RunAsync(["enrich", "/nonexistent/x", "--output", Path.GetTempPath(), "--where", "System.IO.File.Exists(\"/etc/passwd\")"], new StringWriter(), stderr).GetAwaiter().GetResult();

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.StartWith("error: --where:"));
    }
}
