using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.Ingest.CloudTrailReaderTests;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// A call that names a group only by name in the second a group of that name is created (EC2 refuses a second group of
/// one name in a VPC, so the older group is the one meant), and reporting such unresolved events when two inputs share
/// a file name.
/// </summary>
public sealed class GroupNameSameSecondTests
{
    /// <summary>
    /// A script in the default VPC: delete-security-group --group-name web, then create-security-group --group-name web,
    /// in one second. EC2 refuses a second "web" in one VPC (InvalidGroup.Duplicate), so the delete ran first and took the
    /// old group. The index applies the creation first, sees two candidates and deletes nothing: the old group's
    /// world-open rule stays live for ever (question 4 lists it).
    /// </summary>
    [Test]
    public void Build_DeleteByNameAndCreateOfTheSameNameInOneSecond_DeletesTheOldGroup()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0old", "web", null, null, []));
        ev.Authorize(20, "sg-0old", Tcp("sgr-old", "sg-0old", 22, 22, "0.0.0.0/0"));
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"));
        ev.Add(200, "CreateSecurityGroup", new SecurityGroupCreated("sg-0new", "web", null, null, []));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty, string.Join("\n", index.Problems));
        Assert.That(index.IngressRulesAt("sg-0old", At(200)).Length, Is.Zero, "the old group is gone at 200");
    }

    /// <summary>
    /// Same second, but the old group comes from describe-security-groups without describe-vpcs (its VPC is not known to
    /// be the default): the only "candidate" is the group created in that very second, and the index deletes it —
    /// with the rule authorized in the same second — without any diagnostic.
    /// </summary>
    [Test]
    public void Build_DeleteByNameInTheSecondAGroupOfThatNameIsCreated_DoesNotSilentlyDeleteTheNewGroup()
    {
        var ev = new Events();
        var snapshot = new BaselineSnapshot([], [], [new SecurityGroupCreated("sg-0old", "web", "vpc-1", null, [])], [Tcp("sgr-old", "sg-0old", 80, 80, "10.0.0.0/8")], []);
        ev.Add(0, "Snapshot", snapshot);
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"));
        ev.Add(200, "CreateSecurityGroup", new SecurityGroupCreated("sg-0new", "web", null, null, []));
        ev.Authorize(200, "sg-0new", Tcp("sgr-new", "sg-0new", 22, 22, "0.0.0.0/0"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        bool newGroupDeleted = index.IngressRulesAt("sg-0new", At(200)).Length == 0;
        Assert.That(newGroupDeleted && index.Problems.IsEmpty, Is.False,
            "the group created at 200 (with its 0.0.0.0/0:22 rule) was deleted silently: " + string.Join(",", Investigations.UnusedGroups(index).Select(g => g.GroupId)));
    }

    /// <summary>Two inputs with one name (Workspace.Load(ClassifiedInputs) is public) and one unresolved delete: Load throws.</summary>
    [Test]
    public void Load_TwoInputsWithOneNameAndAnUnresolvedDelete_DoesNotThrow()
    {
        string trail = Records(Rec("e3", "DeleteSecurityGroup", """{"groupName":"web"}""", """{"requestId":"r","_return":true}""", "2024-01-01T00:01:00Z"));
        string other = Records(Rec("e4", "CreateTags", """{"resourcesSet":{"items":[{"resourceId":"i-1"}]},"tagSet":{"items":[{"key":"a","value":"b"}]}}""", """{"_return":true}""", "2024-01-01T00:02:00Z"));
        LogInput a = LogInput.FromBytes("trail.json", Encoding.UTF8.GetBytes(trail));
        LogInput b = LogInput.FromBytes("trail.json", Encoding.UTF8.GetBytes(other));
        var inputs = new ClassifiedInputs([], [a, b], [], [], []);
        Assert.That(() => Workspace.Load(inputs, WorkspaceOptions.Default with { WarmUp = false }), Throws.Nothing);
    }
}
