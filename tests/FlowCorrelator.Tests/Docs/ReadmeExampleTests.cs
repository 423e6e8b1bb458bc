using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Docs;

/// <summary>The README's library example, verbatim apart from the path, so the documentation cannot rot.</summary>
public sealed class ReadmeExampleTests
{
    [Test]
    public void ReadmeLibraryExample_RunsAndFindsAcceptedSshSources()
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        var lines = new List<string>();

        Workspace ws = Workspace.Load([demo]);                    // reads CloudTrail + snapshots, builds the index
        InvestigationResult result = ws.Investigate(InvestigationOptions.Default with
        {
            Access = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 },
        });
        foreach (AccessAttempt a in result.AccessAttempts.Where(a => a.Accepted > 0))
        {
            lines.Add($"{a.SrcAddr} reached {a.InstanceId} ({a.InterfaceId}) {a.Accepted} times");
        }

        Assert.That(lines, Has.Count.GreaterThan(100));
        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        string readme = File.ReadAllText(Path.Combine(TruthCheckTests.RepositoryRoot(), "README.md"));
        Assert.That(readme, Does.Contain("Workspace ws = Workspace.Load([\"samples/demo\"]);"));
        Assert.That(readme, Does.Contain("Access = new AccessQuery { TagKey = \"Name\", TagValue = \"payment\", Port = 22 },"));
    }
}
