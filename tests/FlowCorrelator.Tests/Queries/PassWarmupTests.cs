using FlowCorrelator.Queries;

namespace FlowCorrelator.Tests.Queries;

/// <summary>The warm-up is only worth its thread if it runs the code a real pass runs.</summary>
public sealed class PassWarmupTests
{
    [Test]
    public void Exercise_ReachesBothQuestionsThroughTheGzipReader()
    {
        InvestigationSink sink = PassWarmup.Exercise();

        Assert.That(sink.FleetAccess.Totals.Values.Single().Accepted, Is.EqualTo(64), "question 1: every line is access to the tagged fleet");
        Assert.That(sink.RuleUsage.Totals.Single(r => r is not null)!.Hits, Is.EqualTo(64), "question 5: every line uses the one rule");
    }
}
