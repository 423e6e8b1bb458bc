using FlowCorrelator.Index;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>The one event order of the index: de-duplication by event id, snapshots first, time, phase, event id.</summary>
public sealed class EventOrderTests
{
    [Test]
    public void Arrange_RepeatedEventIds_KeepsTheFirstCopyGivenAndCountsTheRest()
    {
        var ev = new Events();
        CloudTrailEvent first = ev.Add(10, "CreateTags", new TagsCreated(["i-1"], [Tag("a", "1")]), id: "dup");
        CloudTrailEvent second = first with { SourceFile = "other.json" };
        ev.Add(5, "CreateTags", new TagsCreated(["i-1"], [Tag("b", "2")]), id: "x");

        OrderedEvents ordered = EventOrder.Arrange([first, .. ev.List.Skip(1), second, second]);

        Assert.That(ordered.Duplicates, Is.EqualTo(2));
        Assert.That(ordered.Events.Select(e => e.EventId), Is.EqualTo(new[] { "x", "dup" }));
        Assert.That(ordered.Events[1], Is.SameAs(first));
    }

    [Test]
    public void Arrange_OneSecond_CreatesBeforeChangesBeforeRemovesWhateverTheIds()
    {
        var ev = new Events();
        // Ids sort against the phases, so only the phase can put them in this order.
        ev.Add(0, "DeleteSecurityGroup", new SecurityGroupDeleted("sg-1", null), id: "a-delete");
        ev.Add(0, "RevokeSecurityGroupIngress", new RulesRevoked("sg-1", false, ["sgr-1"], []), id: "b-revoke");
        ev.Add(0, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-1", Groups("sg-1")), id: "c-modify");
        ev.Add(0, "AuthorizeSecurityGroupIngress", new RulesAuthorized("sg-1", false, [Tcp("sgr-1", "sg-1", 22, 22, "0.0.0.0/0")]), id: "d-authorize");
        ev.Add(0, "CreateSecurityGroup", new SecurityGroupCreated("sg-1", "web", "vpc-1", null, []), id: "e-create");

        OrderedEvents ordered = EventOrder.Arrange(ev.List);

        Assert.That(ordered.Events.Select(e => e.EventId), Is.EqualTo(new[] { "e-create", "d-authorize", "c-modify", "b-revoke", "a-delete" }));
    }

    [Test]
    public void Arrange_SnapshotDatedAfterTheTrail_ComesFirst()
    {
        var ev = new Events();
        ev.Add(0, "CreateTags", new TagsCreated(["i-1"], [Tag("a", "1")]), id: "trail");
        ev.Add(1000, "Snapshot", new BaselineSnapshot([], [], [], [], []), id: "snapshot");

        Assert.That(EventOrder.Arrange(ev.List).Events.Select(e => e.EventId), Is.EqualTo(new[] { "snapshot", "trail" }));
    }

    [Test]
    public void Arrange_AnyPermutationOfDistinctEvents_GivesOneOrder()
    {
        var ev = new Events();
        for (int i = 0; i < 12; i++)
        {
            // Three per second, of two phases, so time, phase and id all decide somewhere.
            Ec2Change change = i % 2 == 0
                ? new TagsCreated(["i-1"], [Tag("k", i.ToString(System.Globalization.CultureInfo.InvariantCulture))])
                : new TagsDeleted(["i-1"], []);
            ev.Add(i / 3, i % 2 == 0 ? "CreateTags" : "DeleteTags", change);
        }

        string[] expected = [.. EventOrder.Arrange(ev.List).Events.Select(e => e.EventId)];
        var random = new Random(15);
        for (int round = 0; round < 50; round++)
        {
            CloudTrailEvent[] shuffled = [.. ev.List];
            random.Shuffle(shuffled);
            Assert.That(EventOrder.Arrange(shuffled).Events.Select(e => e.EventId), Is.EqualTo(expected));
        }

        // And that order is time, then phase (create before delete), then id.
        Assert.That(expected, Is.EqualTo(ev.List
            .OrderBy(e => e.Time)
            .ThenBy(e => e.Change is TagsCreated ? 0 : 1)
            .ThenBy(e => e.EventId, StringComparer.Ordinal)
            .Select(e => e.EventId)));
    }

    [Test]
    public void Build_StatisticsCountEveryEventGivenAndTheRepeats()
    {
        var ev = new Events();
        CloudTrailEvent tag = ev.Add(10, "CreateTags", new TagsCreated(["i-1"], [Tag("a", "1")]));
        ev.Add(20, "CreateKeyPair", null);
        ev.List.Add(tag);

        IndexStatistics stats = EnvironmentIndex.Build(ev.List).Statistics;

        Assert.That((stats.EventsRead, stats.Duplicates, stats.Applied, stats.Ignored, stats.Failed), Is.EqualTo((3L, 1L, 1L, 1L, 0L)));
    }
}
