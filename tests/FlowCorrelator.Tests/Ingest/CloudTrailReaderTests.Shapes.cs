using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>One test per EC2 event shape of docs/formats.md B.6, including the tolerated variants.</summary>
public sealed partial class CloudTrailReaderTests
{
    internal const string RunRequest = """
        {"instancesSet":{"items":[{"imageId":"ami-1","minCount":1,"maxCount":1}]},"instanceType":"t3.micro",
         "groupSet":{"items":[{"groupId":"sg-req"}]},
         "networkInterfaceSet":{"items":[{"deviceIndex":0,"subnetId":"subnet-1","groupSet":{"items":[{"groupId":"sg-nic"}]}}]},
         "tagSpecificationSet":{"items":[
            {"resourceType":"instance","tags":[{"key":"Name","value":"web"},{"key":"env","value":"prod"}]},
            {"resourceType":"volume","tags":[{"key":"vol","value":"x"}]}]}}
        """;

    internal const string RunResponse = """
        {"requestId":"r","reservationId":"r-1","ownerId":"111122223333","groupSet":{},
         "instancesSet":{"items":[{
            "instanceId":"i-1","imageId":"ami-1","instanceState":{"code":0,"name":"pending"},"subnetId":"subnet-1","vpcId":"vpc-1",
            "privateIpAddress":"10.0.0.5","groupSet":{"items":[{"groupId":"sg-nic","groupName":"web"}]},
            "tagSet":{"items":[{"key":"Name","value":"web"},{"key":"asg","value":"a"}]},
            "networkInterfaceSet":{"items":[
              {"networkInterfaceId":"eni-1","subnetId":"subnet-1","vpcId":"vpc-1","privateIpAddress":"10.0.0.5",
               "groupSet":{"items":[{"groupId":"sg-nic","groupName":"web"}]},
               "attachment":{"attachmentId":"eni-attach-1","deviceIndex":0,"status":"attaching","deleteOnTermination":true},
               "privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.0.9","primary":false},{"privateIpAddress":"10.0.0.5","primary":true}]},
               "ipv6AddressesSet":{},"tagSet":{},"interfaceType":"interface"},
              {"networkInterfaceId":"eni-2","privateIpAddress":"10.0.1.5",
               "groupSet":{"items":[{"groupId":"sg-b"}]},
               "attachment":{"attachmentId":"eni-attach-2","deviceIndex":"1"},
               "privateIpAddressesSet":{"items":[{"privateIpAddress":"10.0.1.5","primary":true}]}}]}}]}}
        """;

    [Test]
    public void Read_RunInstances_YieldsInstancesInterfacesGroupsAndTags()
    {
        var change = (InstancesLaunched)Single(Rec("e1", "RunInstances", RunRequest, RunResponse));

        InstanceInfo instance = change.Instances.Single();
        Assert.That(instance.InstanceId, Is.EqualTo("i-1"));
        Assert.That(instance.State, Is.EqualTo("pending"));
        Assert.That(instance.Groups, Is.EqualTo(new[] { new GroupRef("sg-nic", "web") }));
        Assert.That(instance.Tags, Is.EquivalentTo(new[] { new Tag("Name", "web"), new Tag("asg", "a"), new Tag("env", "prod") }));
        Assert.That(instance.NetworkInterfaces, Has.Length.EqualTo(2));
        NetworkInterfaceInfo primary = instance.NetworkInterfaces[0];
        Assert.That(primary.NetworkInterfaceId, Is.EqualTo("eni-1"));
        Assert.That(primary.AttachmentId, Is.EqualTo("eni-attach-1"));
        Assert.That(primary.DeviceIndex, Is.Zero);
        Assert.That(primary.PrivateIps, Is.EqualTo(new[] { "10.0.0.5", "10.0.0.9" }));
        Assert.That(primary.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { "sg-nic" }));
        Assert.That(instance.NetworkInterfaces[1].DeviceIndex, Is.EqualTo(1));
        Assert.That(instance.NetworkInterfaces[1].PrivateIps, Is.EqualTo(new[] { "10.0.1.5" }));
        Assert.That(change.RequestedGroups, Is.EquivalentTo(new[] { "sg-req", "sg-nic" }));
    }

    [Test]
    public void Read_RunInstancesWithoutResponse_IsKeptWithoutChangeAndCounted()
    {
        var (events, report) = Read(Records(Rec("e1", "RunInstances", RunRequest, "null")));
        Assert.That(events.Single().Change, Is.Null);
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Reason, Is.EqualTo(ProblemReason.InvalidRecord));
    }

    [TestCase("Client.DryRunOperation")]
    [TestCase("Client.UnauthorizedOperation")]
    public void Read_FailedCall_HasNoChangeAndKeepsTheErrorCode(string code)
    {
        var (events, report) = Read(Records(Rec("e1", "RunInstances", RunRequest, RunResponse, error: code)));
        Assert.That(events.Single().Change, Is.Null);
        Assert.That(events.Single().ErrorCode, Is.EqualTo(code));
        Assert.That(events.Single().Succeeded, Is.False);
        Assert.That(report.Malformed, Is.Zero);
    }

    [TestCase("TerminateInstances", InstanceStateChange.Terminated)]
    [TestCase("StopInstances", InstanceStateChange.Stopped)]
    [TestCase("StartInstances", InstanceStateChange.Started)]
    public void Read_InstanceStateCalls_YieldStateChanges(string name, InstanceStateChange kind)
    {
        var change = (InstancesStateChanged)Single(Rec("e1", name, """{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]},"force":false}""",
            """{"requestId":"r","instancesSet":{"items":[{"instanceId":"i-1","currentState":{"code":32,"name":"shutting-down"}},{"instanceId":"i-2"}]}}"""));
        Assert.That(change.Kind, Is.EqualTo(kind));
        Assert.That(change.InstanceIds, Is.EqualTo(new[] { "i-1", "i-2" }));
    }

    [Test]
    public void Read_CreateNetworkInterface_YieldsTheResponseInterface()
    {
        var change = (NetworkInterfaceCreated)Single(Rec("e1", "CreateNetworkInterface", """{"subnetId":"subnet-1","groupSet":{"items":[{"groupId":"sg-1"}]},"privateIpAddressesSet":{}}""",
            """{"requestId":"r","networkInterface":{"networkInterfaceId":"eni-9","subnetId":"subnet-1","vpcId":"vpc-1","privateIpAddress":"10.0.0.7","interfaceType":"lambda","groupSet":{"items":[{"groupId":"sg-1","groupName":"g"}]},"privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.0.7","primary":true}]},"ipv6AddressesSet":{},"tagSet":{"items":[{"key":"k","value":"v"}]}}}"""));
        Assert.That(change.Interface.NetworkInterfaceId, Is.EqualTo("eni-9"));
        Assert.That(change.Interface.PrivateIps, Is.EqualTo(new[] { "10.0.0.7" }));
        Assert.That(change.Interface.Groups, Is.EqualTo(new[] { new GroupRef("sg-1", "g") }));
        Assert.That(change.Interface.Tags, Is.EqualTo(new[] { new Tag("k", "v") }));
        Assert.That(change.Interface.InterfaceType, Is.EqualTo("lambda"));
        Assert.That(change.RequestedGroups, Is.EqualTo(new[] { "sg-1" }));
    }

    [Test]
    public void Read_AttachAndDetachNetworkInterface_YieldAttachmentIds()
    {
        var (events, _) = Read(Records(
            Rec("e1", "AttachNetworkInterface", """{"networkInterfaceId":"eni-1","instanceId":"i-1","deviceIndex":1,"networkCardIndex":0}""", """{"requestId":"r","attachmentId":"eni-attach-7","networkCardIndex":0}"""),
            Rec("e2", "DetachNetworkInterface", """{"attachmentId":"eni-attach-7","force":false}""", """{"requestId":"r","_return":true}""")));
        Assert.That(events[0].Change, Is.EqualTo(new NetworkInterfaceAttached("eni-1", "i-1", "eni-attach-7", 1)));
        Assert.That(events[1].Change, Is.EqualTo(new NetworkInterfaceDetached("eni-attach-7")));
    }

    [Test]
    public void Read_ModifyNetworkInterfaceAttribute_OnlyGroupSetIsAChange()
    {
        var (events, report) = Read(Records(
            Rec("e1", "ModifyNetworkInterfaceAttribute", """{"networkInterfaceId":"eni-1","groupSet":{"items":[{"groupId":"sg-a"},{"groupId":"sg-b"}]}}""", """{"requestId":"r","_return":true}"""),
            Rec("e2", "ModifyNetworkInterfaceAttribute", """{"networkInterfaceId":"eni-1","sourceDestCheck":{"value":false}}""", """{"requestId":"r","_return":true}""")));
        var change = (NetworkInterfaceGroupsReplaced)events[0].Change!;
        Assert.That(change.NetworkInterfaceId, Is.EqualTo("eni-1"));
        Assert.That(change.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { "sg-a", "sg-b" }));
        Assert.That(events[1].Change, Is.Null);
        Assert.That(report.Malformed, Is.Zero);
    }

    [Test]
    public void Read_ModifyNetworkInterfaceAttributeAttachment_YieldsDeleteOnTerminationChange()
    {
        var (events, report) = Read(Records(
            Rec("e1", "ModifyNetworkInterfaceAttribute", """{"networkInterfaceId":"eni-1","attachment":{"attachmentId":"eni-attach-1","deleteOnTermination":true}}""", """{"requestId":"r","_return":true}""")));

        Assert.That(events[0].Change, Is.EqualTo(new NetworkInterfaceDeleteOnTerminationChanged("eni-1", "eni-attach-1", true)));
        Assert.That(report.Malformed, Is.Zero);
    }

    [Test]
    public void Read_ModifyInstanceAttributeGroupSet_YieldsInstanceGroupsReplaced()
    {
        var change = (InstanceGroupsReplaced)Single(Rec("e1", "ModifyInstanceAttribute", """{"instanceId":"i-1","groupSet":{"items":[{"groupId":"sg-c"}]}}""", """{"requestId":"r","_return":true}"""));
        Assert.That(change, Is.EqualTo(new InstanceGroupsReplaced("i-1", [new GroupRef("sg-c")])).Using<InstanceGroupsReplaced>((a, b) => a.InstanceId == b.InstanceId && a.Groups.SequenceEqual(b.Groups)));
    }

    [Test]
    public void Read_AssignAndUnassignPrivateIps_UseRequestAndResponseAddresses()
    {
        var (events, _) = Read(Records(
            Rec("e1", "AssignPrivateIpAddresses", """{"networkInterfaceId":"eni-1","secondaryPrivateIpAddressCount":2}""", """{"requestId":"r","_return":true,"assignedPrivateIpAddressesSet":{"assignedPrivateIpAddressSetType":[],"items":[{"privateIpAddress":"10.0.0.20"},{"privateIpAddress":"10.0.0.21"}]}}"""),
            Rec("e2", "UnassignPrivateIpAddresses", """{"networkInterfaceId":"eni-1","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.0.20"}]}}""", """{"requestId":"r","_return":true}""")));
        var assign = (PrivateIpsChanged)events[0].Change!;
        Assert.That(assign.Ips, Is.EqualTo(new[] { "10.0.0.20", "10.0.0.21" }));
        Assert.That(assign.Unassigned, Is.False);
        var unassign = (PrivateIpsChanged)events[1].Change!;
        Assert.That(unassign.Ips, Is.EqualTo(new[] { "10.0.0.20" }));
        Assert.That(unassign.Unassigned, Is.True);
    }

    [Test]
    public void Read_CreateAndDeleteSecurityGroup_YieldGroupChanges()
    {
        var (events, _) = Read(Records(
            Rec("e1", "CreateSecurityGroup", """{"groupName":"web","groupDescription":"d","vpcId":"vpc-1","tagSpecificationSet":{"items":[{"resourceType":"security-group","tags":[{"key":"team","value":"x"}]}]}}""", """{"requestId":"r","_return":true,"groupId":"sg-new"}"""),
            Rec("e2", "DeleteSecurityGroup", """{"groupName":"legacy"}""", """{"requestId":"r","_return":true}""")));
        var created = (SecurityGroupCreated)events[0].Change!;
        Assert.That((created.GroupId, created.GroupName, created.VpcId, created.Description), Is.EqualTo(("sg-new", "web", "vpc-1", "d")));
        Assert.That(created.Tags, Is.EqualTo(new[] { new Tag("team", "x") }));
        Assert.That(events[1].Change, Is.EqualTo(new SecurityGroupDeleted(null, "legacy")));
    }

    [Test]
    public void Read_AuthorizeWithRuleSet_UsesResponseRuleIds()
    {
        var change = (RulesAuthorized)Single(Rec("e1", "AuthorizeSecurityGroupIngress",
            """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"groups":{},"prefixListIds":{}}]}}""",
            """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupOwnerId":"1","groupId":"sg-1","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"},{"groupId":"sg-1","securityGroupRuleId":"sgr-2","isEgress":false,"ipProtocol":"-1","fromPort":-1,"toPort":-1,"referencedGroupInfo":{"groupId":"sg-peer","userId":"1"}},{"groupId":"sg-1","securityGroupRuleId":"sgr-3","isEgress":false,"ipProtocol":"udp","fromPort":53,"toPort":53,"prefixListId":"pl-1"},{"groupId":"sg-1","securityGroupRuleId":"sgr-4","isEgress":false,"ipProtocol":"icmpv6","fromPort":-1,"toPort":-1,"cidrIpv6":"::/0"}]}}"""));
        Assert.That(change.GroupId, Is.EqualTo("sg-1"));
        Assert.That(change.IsEgress, Is.False);
        Assert.That(change.Rules.Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1", "sgr-2", "sgr-3", "sgr-4" }));
        Assert.That(change.Rules[0].Protocol, Is.EqualTo(6));
        Assert.That(change.Rules[0].CidrIpv4, Is.EqualTo("0.0.0.0/0"));
        Assert.That(change.Rules[1].ReferencedGroupId, Is.EqualTo("sg-peer"));
        Assert.That(change.Rules[1].FromPort, Is.Null);
        Assert.That(change.Rules[2].PrefixListId, Is.EqualTo("pl-1"));
        Assert.That(change.Rules[3].Protocol, Is.EqualTo(58));
        Assert.That(change.Rules[3].CidrIpv6, Is.EqualTo("::/0"));
    }

    [Test]
    public void Read_AuthorizeWithoutRuleSet_ExpandsEveryPermissionAndPeerInOrder()
    {
        var change = (RulesAuthorized)Single(Rec("e1", "AuthorizeSecurityGroupEgress",
            """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":80,"toPort":443,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8","description":"a"},{"cidrIp":"192.168.0.0/16"}]},"ipv6Ranges":{"items":[{"cidrIpv6":"2001:db8::/32"}]},"groups":{"items":[{"groupId":"sg-2","userId":"1"}]},"prefixListIds":{"items":[{"prefixListId":"pl-1"}]}},{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"groups":{},"prefixListIds":{}}]}}""",
            """{"requestId":"r","_return":true}"""));
        Assert.That(change.IsEgress, Is.True);
        Assert.That(change.Rules, Has.Length.EqualTo(6));
        Assert.That(change.Rules.Select(r => r.RuleId), Is.All.Null);
        Assert.That(change.Rules.Select(r => r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupId ?? r.PrefixListId),
            Is.EqualTo(new[] { "10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "sg-2", "pl-1", "0.0.0.0/0" }));
        Assert.That(change.Rules[0].Description, Is.EqualTo("a"));
        Assert.That((change.Rules[0].FromPort, change.Rules[0].ToPort), Is.EqualTo(((int?)80, (int?)443)));
        Assert.That(change.Rules[5].Protocol, Is.EqualTo(-1));
        Assert.That(change.Rules.Select(r => r.IsEgress), Is.All.True);
    }

    [Test]
    public void Read_AuthorizeLegacyFlatForm_YieldsOneRule()
    {
        var change = (RulesAuthorized)Single(Rec("e1", "AuthorizeSecurityGroupIngress",
            """{"groupId":"sg-1","ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIp":"198.51.100.0/24","ipPermissions":{}}""", """{"requestId":"r","_return":true}"""));
        SecurityGroupRuleSpec rule = change.Rules.Single();
        Assert.That((rule.Protocol, rule.FromPort, rule.ToPort, rule.CidrIpv4, rule.RuleId), Is.EqualTo((6, (int?)22, (int?)22, "198.51.100.0/24", (string?)null)));
    }

    [Test]
    public void Read_AuthorizeWithoutGroupId_IsKeptWithoutChangeAndCounted()
    {
        var (events, report) = Read(Records(Rec("e1", "AuthorizeSecurityGroupIngress", """{"ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":1,"toPort":2,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}""", """{"_return":true}""")));
        Assert.That(events.Single().Change, Is.Null);
        Assert.That(report.Samples.Single().Reason, Is.EqualTo(ProblemReason.InvalidRecord));
    }

    [Test]
    public void Read_CallsByGroupNameOnly_IngressKeepTheNameEgressAreDamage()
    {
        // EC2 takes groupName on the ingress calls (default VPC, EC2-Classic); the egress calls require groupId.
        const string Permission = "\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,\"toPort\":22,\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}";
        var (events, report) = Read(Records(
            Rec("e1", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{Permission}}}""", """{"requestId":"r","_return":true}"""),
            Rec("e2", "RevokeSecurityGroupIngress", $$"""{"groupName":"web",{{Permission}}}""", """{"requestId":"r","_return":true}"""),
            Rec("e3", "AuthorizeSecurityGroupEgress", $$"""{"groupName":"web",{{Permission}}}""", """{"requestId":"r","_return":true}"""),
            Rec("e4", "RevokeSecurityGroupEgress", $$"""{"groupName":"web",{{Permission}}}""", """{"requestId":"r","_return":true}"""),
            Rec("e5", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{Permission}}}""", error: "Client.DryRunOperation")));

        var authorized = (RulesAuthorized)events[0].Change!;
        Assert.That((authorized.GroupId, authorized.GroupName, authorized.IsEgress), Is.EqualTo(((string?)null, "web", false)));
        SecurityGroupRuleSpec rule = authorized.Rules.Single();
        Assert.That((rule.GroupId, rule.Protocol, rule.FromPort, rule.CidrIpv4, rule.RuleId), Is.EqualTo(("", 6, (int?)22, "0.0.0.0/0", (string?)null)), "the index fills in the group");

        var revoked = (RulesRevoked)events[1].Change!;
        Assert.That((revoked.GroupId, revoked.GroupName), Is.EqualTo(((string?)null, "web")));
        Assert.That(revoked.Rules.Single().GroupId, Is.Empty);

        Assert.That(events.Skip(2).Select(e => e.Change), Is.All.Null, "egress without groupId, and a dry run, change nothing");
        Assert.That(report.Samples.Select(p => (p.Reason, p.Message.Contains("missing groupId", StringComparison.Ordinal))),
            Is.EqualTo(new[] { (ProblemReason.InvalidRecord, true), (ProblemReason.InvalidRecord, true) }), "only the two egress calls are damage");
    }

    [Test]
    public void Read_CallsByGroupNameWithGroupIdInResponse_TakeTheResponsesGroup()
    {
        var (events, report) = Read(Records(
            Rec("e1", "AuthorizeSecurityGroupIngress",
                """{"groupName":"web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0web","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}"""),
            Rec("e2", "RevokeSecurityGroupIngress",
                """{"groupName":"web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"revokedSecurityGroupRuleSet":{"items":[{"groupId":"sg-0web","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""")));

        Assert.That(report.Samples, Is.Empty);
        var authorized = (RulesAuthorized)events[0].Change!;
        Assert.That((authorized.GroupId, authorized.GroupName, authorized.Rules.Single().GroupId, authorized.Rules.Single().RuleId), Is.EqualTo(("sg-0web", "web", "sg-0web", "sgr-1")));
        var revoked = (RulesRevoked)events[1].Change!;
        Assert.That((revoked.GroupId, revoked.GroupName, revoked.RuleIds.Single(), revoked.Rules.Single().GroupId), Is.EqualTo(("sg-0web", "web", "sgr-1", "sg-0web")));
    }

    [Test]
    public void Read_RevokeByGroupNameLegacyFlatAndUnknownPermissions_KeepsOnlyWhatWasRevoked()
    {
        var (events, report) = Read(Records(
            Rec("e1", "RevokeSecurityGroupIngress", """{"groupName":"web","ipProtocol":"udp","fromPort":53,"toPort":53,"cidrIp":"0.0.0.0/0"}""", """{"requestId":"r","_return":true}"""),
            Rec("e2", "RevokeSecurityGroupIngress",
                """{"groupName":"web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"10.1.0.0/16"}]}}]}}""",
                """{"requestId":"r","_return":true,"unknownIpPermissionSet":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]}}]}}"""),
            Rec("e3", "RevokeSecurityGroupIngress", """{"groupName":"web","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"sgr-1"}]}}""", """{"requestId":"r","_return":true}""")));

        Assert.That(report.Samples, Is.Empty);
        var legacy = (RulesRevoked)events[0].Change!;
        Assert.That((legacy.GroupName, legacy.Rules.Single().Protocol, legacy.Rules.Single().CidrIpv4), Is.EqualTo(("web", 17, "0.0.0.0/0")));
        var permissions = (RulesRevoked)events[1].Change!;
        Assert.That(permissions.Rules.Select(r => r.CidrIpv4), Is.EqualTo(new[] { "10.0.0.0/8" }), "the permission AWS did not find is dropped");
        var byId = (RulesRevoked)events[2].Change!;
        Assert.That((byId.GroupId, byId.GroupName, byId.RuleIds.Single()), Is.EqualTo(((string?)null, "web", "sgr-1")));
    }

    [Test]
    public void Read_RevokeByIdsAndPermissions_ExcludesUnknownPermissions()
    {
        var (events, _) = Read(Records(
            Rec("e1", "RevokeSecurityGroupIngress", """{"groupId":"sg-1","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"sgr-1"},{"securityGroupRuleId":"sgr-2"}]}}""", """{"requestId":"r","_return":true}"""),
            Rec("e2", "RevokeSecurityGroupEgress", """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"10.1.0.0/16"}]}}]}}""",
                """{"requestId":"r","_return":true,"unknownIpPermissionSet":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]}}]}}"""),
            Rec("e3", "RevokeSecurityGroupIngress", """{"groupId":"sg-1","ipProtocol":"udp","fromPort":53,"toPort":53,"cidrIp":"0.0.0.0/0"}""", """{"requestId":"r","_return":true}""")));
        var byId = (RulesRevoked)events[0].Change!;
        Assert.That(byId.RuleIds, Is.EqualTo(new[] { "sgr-1", "sgr-2" }));
        Assert.That(byId.Rules, Is.Empty);
        var byPermission = (RulesRevoked)events[1].Change!;
        Assert.That(byPermission.IsEgress, Is.True);
        Assert.That(byPermission.Rules.Select(r => r.CidrIpv4), Is.EqualTo(new[] { "10.0.0.0/8" }));
        var legacy = (RulesRevoked)events[2].Change!;
        Assert.That(legacy.Rules.Single().Protocol, Is.EqualTo(17));
    }

    [Test]
    public void Read_ModifySecurityGroupRulesObject_YieldsTheRule()
    {
        var change = (RulesModified)Single(Rec("e1", "ModifySecurityGroupRules",
            """{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"0.0.0.0/0","Description":"ssh"}}}}""",
            """{"ModifySecurityGroupRulesResponse":{"xmlns":"http://ec2.amazonaws.com/doc/2016-11-15/","requestId":"r","return":true}}"""));
        SecurityGroupRuleSpec rule = change.Rules.Single();
        Assert.That(change.GroupId, Is.EqualTo("sg-1"));
        Assert.That((rule.RuleId, rule.Protocol, rule.FromPort, rule.CidrIpv4, rule.Description), Is.EqualTo(("sgr-1", 6, (int?)22, "0.0.0.0/0", "ssh")));
    }

    [Test]
    public void Read_ModifySecurityGroupRulesArray_YieldsEveryRule()
    {
        var change = (RulesModified)Single(Rec("e1", "ModifySecurityGroupRules",
            """{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":[{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"udp","FromPort":"53","ToPort":"53","CidrIpv6":"::/0"}},{"SecurityGroupRuleId":"sgr-2","SecurityGroupRule":{"IpProtocol":"-1","ReferencedGroupId":"sg-2"}},{"SecurityGroupRuleId":"sgr-3","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"PrefixListId":"pl-1"}}]}}""",
            """{"requestId":"r","_return":true}"""));
        Assert.That(change.Rules.Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1", "sgr-2", "sgr-3" }));
        Assert.That(change.Rules[0].CidrIpv6, Is.EqualTo("::/0"));
        Assert.That(change.Rules[0].FromPort, Is.EqualTo(53));
        Assert.That(change.Rules[1].ReferencedGroupId, Is.EqualTo("sg-2"));
        Assert.That(change.Rules[2].PrefixListId, Is.EqualTo("pl-1"));
    }

    [Test]
    public void Read_CreateAndDeleteTags_YieldResourcesAndTags()
    {
        var (events, _) = Read(Records(
            Rec("e1", "CreateTags", """{"resourcesSet":{"items":[{"resourceId":"i-1"},{"resourceId":"eni-1"}]},"tagSet":{"items":[{"key":"Name","value":"web"},{"key":"empty"}]}}""", """{"requestId":"r","_return":true}"""),
            Rec("e2", "DeleteTags", """{"resourcesSet":{"items":[{"resourceId":"i-1"}]},"tagSet":{"items":[{"key":"Name"}]}}""", """{"requestId":"r","_return":true}"""),
            Rec("e3", "DeleteTags", """{"resourcesSet":{"items":[{"resourceId":"i-1"}]},"tagSet":{}}""", """{"requestId":"r","_return":true}""")));
        var created = (TagsCreated)events[0].Change!;
        Assert.That(created.ResourceIds, Is.EqualTo(new[] { "i-1", "eni-1" }));
        Assert.That(created.Tags, Is.EqualTo(new[] { new Tag("Name", "web"), new Tag("empty", "") }));
        Assert.That(((TagsDeleted)events[1].Change!).Tags, Is.EqualTo(new[] { new Tag("Name", null) }));
        Assert.That(((TagsDeleted)events[2].Change!).Tags, Is.Empty);
    }

    [Test]
    public void Read_ReturnFalse_IsNoChangeAndNoProblem()
    {
        var (events, report) = Read(Records(Rec("e1", "DeleteNetworkInterface", """{"networkInterfaceId":"eni-1"}""", """{"requestId":"r","_return":false}""")));
        Assert.That(events.Single().Change, Is.Null);
        Assert.That(report.Malformed, Is.Zero);
    }

    [Test]
    public void Read_NullRequestParameters_AreTolerated()
    {
        var (events, report) = Read(Records(Rec("e1", "CreateTags", "null", "null"), Rec("e2", "DescribeInstances", "null", "null")));
        Assert.That(events.Select(e => e.Change), Is.All.Null);
        Assert.That(report.Malformed, Is.EqualTo(1)); // CreateTags without resources; DescribeInstances is simply not tracked
    }

    [Test]
    public void Read_ActorFallsBackToSessionIssuerThenInvokedBy()
    {
        string issuer = Rec("e1", "CreateKeyPair", "{}").Replace(
            "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/alice\",\"accountId\":\"111122223333\"}",
            "\"userIdentity\":{\"type\":\"AssumedRole\",\"sessionContext\":{\"sessionIssuer\":{\"arn\":\"arn:aws:iam::1:role/r\"}}}", StringComparison.Ordinal)
            .Replace(",\"recipientAccountId\":\"111122223333\"", string.Empty, StringComparison.Ordinal);
        string service = Rec("e2", "CreateKeyPair", "{}").Replace(
            "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/alice\",\"accountId\":\"111122223333\"}",
            "\"userIdentity\":{\"type\":\"AWSService\",\"invokedBy\":\"autoscaling.amazonaws.com\",\"accountId\":\"999\"}", StringComparison.Ordinal);
        var (events, _) = Read(Records(issuer, service));
        Assert.That(events[0].ActorArn, Is.EqualTo("arn:aws:iam::1:role/r"));
        Assert.That(events[0].AccountId, Is.Null);
        Assert.That(events[1].ActorArn, Is.EqualTo("autoscaling.amazonaws.com"));
        Assert.That(events[1].AccountId, Is.EqualTo("111122223333"));
    }

    private static Ec2Change Single(string record)
    {
        var (events, report) = Read(Records(record));
        Assert.That(report.Samples, Is.Empty, () => string.Join("; ", report.Samples));
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Change, Is.Not.Null);
        return events[0].Change!;
    }
}
