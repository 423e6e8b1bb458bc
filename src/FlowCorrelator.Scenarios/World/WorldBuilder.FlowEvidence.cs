namespace FlowCorrelator.Scenarios.World;

// The flow record as evidence (docs/semantics.md, "The flow record as evidence"): instances whose link to an interface,
// or whose tags, no CloudTrail event given to the responder states, while the flow records carry them (instance-id in
// versions 5, 11 and Parquet; instance-tag, the instance's Name tag, in version 11). Each case is a call that happened
// in the world but is not in the trail (TrailEvent.InTrail false, never written); the reason is given with each.
internal sealed partial class WorldBuilder
{
    /// <summary>
    /// Writes the three cases. <paramref name="nodeTemplate"/> is Karpenter's template (the payment node pool),
    /// <paramref name="legacyGroup"/> a group older than the trail, <paramref name="renamed"/> a web server.
    /// </summary>
    private FlowEvidenceLandmarks FlowEvidenceTraps(TemplateModel nodeTemplate, SubnetInfo nodeSubnet, SubnetInfo legacySubnet, string legacyGroup,
        InstanceHandle renamed, KeyValuePair<string, string>[] nodeTags)
    {
        // (b) A payment host launched two days before the trail begins (the responder's trail starts with the
        // account's setup; no describe snapshot was taken). Its RunInstances happened but is not in the trail, so no
        // evidence states its interface or its tags. Its only group is the pre-trail "legacy-mysql", which admits no
        // SSH: every SSH attempt on it is rejected. Written out of order on purpose (see Emit).
        InstanceHandle legacy = Launch(Pre(-2880), _deploy, "payment", 1, [new("Name", "payment"), new("team", "payments"), new("env", "prod")], null,
            [new NicSpec(legacySubnet, [legacyGroup])], nicForm: false, inTrail: false)[0];

        // (a) A second Karpenter node. EC2 Fleet logs its RunInstances (invoked by ec2fleet.amazonaws.com) in the
        // account, but the trail given to the responder is Karpenter's own calls and the platform team's: the
        // service-invoked launch is not in it (a trail export filtered on the caller, or a RunInstances delivered to an
        // organization trail the responder was not given). The CreateFleet is there: the index knows the node runs,
        // with the fleet's tags, but not its interface.
        long nodeLaunched = At(0.415);
        InstanceHandle node = KarpenterLaunch(nodeLaunched, nodeTemplate, [nodeSubnet], nodeTags, "payment", runInstancesInTrail: false);
        TrailEvent fleet = _events[^1];

        // (c) A web server renamed Name=payment in the console's Tag Editor. Tag Editor calls the Resource Groups
        // Tagging API (TagResources, logged under the event source tagging.amazonaws.com, not ec2.amazonaws.com); the
        // trail given to the responder holds the EC2 and Auto Scaling event sources only. The index keeps Name=web;
        // version 11's instance-tag says payment from here on: question 1 follows the index, the conflict is counted.
        // The generator writes no TagResources record, so it states no shape for one.
        long renamedAt = At(0.420);
        Emit(renamedAt, _alice, "TagResources", null, null, [new TagOp(renamed.Id, "Name", "payment")], source: "tagging.amazonaws.com", inTrail: false);

        return new FlowEvidenceLandmarks
        {
            UnlinkedNode = node.Id,
            UnlinkedNodeEni = node.Primary.EniId,
            UnlinkedNodeFleetEventId = fleet.EventId,
            LegacyInstance = legacy.Id,
            LegacyEni = legacy.Primary.EniId,
            RenamedInstance = renamed.Id,
            RenamedAt = DateTimeOffset.FromUnixTimeSeconds(renamedAt),
        };
    }
}
