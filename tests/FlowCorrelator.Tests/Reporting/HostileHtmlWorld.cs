using FlowCorrelator.Tests.Hostile;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>
/// CloudTrail text aimed at HTML: script tags, attribute break-outs and event handlers in the actor, the source IP,
/// a group name and an instance's Name tag, plus a flow record to that instance on 22 so that question 1 and the
/// chart carry it. Field names as in the AWS CloudTrail record reference (userIdentity.arn, sourceIPAddress,
/// requestParameters/responseElements of EC2 calls), as the other hostile worlds use them.
/// </summary>
internal static class HostileHtmlWorld
{
    public const string Script = "<script>window.__pwned=1</script>";
    public const string AttributeBreak = "\"><img src=x onerror=\"window.__pwned=2\">";

    public static void Write(CorpusTests.TempDir dir)
    {
        string arn = "arn:aws:iam::111122223333:user/" + Json(Script + AttributeBreak);
        string Record(string id, string second, string name, string request, string response) =>
            $$"""{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"{{arn}}","accountId":"111122223333"},"eventTime":"2026-03-02T00:01:{{second}}Z","eventSource":"ec2.amazonaws.com","eventName":"{{name}}","awsRegion":"us-east-1","sourceIPAddress":"{{Json("' onmouseover='window.__pwned=3")}}","userAgent":"x","requestParameters":{{request}},"responseElements":{{response}},"eventID":"{{id}}","eventType":"AwsApiCall","recipientAccountId":"111122223333"}""";
        string json = "{\"Records\":[" + string.Join(",\n",
            Record("h-01", "00", "CreateSecurityGroup", $$"""{"groupName":"{{Json(Script)}}","groupDescription":"x","vpcId":"vpc-1"}""", """{"_return":true,"groupId":"sg-0html"}"""),
            Record("h-02", "01", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0html","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""", """{"_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0html","securityGroupRuleId":"sgr-0html","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}"""),
            Record("h-03", "02", "RunInstances",
                """{"instanceType":"t3.micro","minCount":1,"maxCount":1}""",
                $$$"""{"instancesSet":{"items":[{"instanceId":"i-0html","instanceState":{"code":0,"name":"pending"},"privateIpAddress":"10.0.9.9","subnetId":"subnet-1","vpcId":"vpc-1","groupSet":{"items":[{"groupId":"sg-0html"}]},"tagSet":{"items":[{"key":"Name","value":"web"},{"key":"Owner","value":"{{{Json(AttributeBreak)}}}"}]},"networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-0html","privateIpAddress":"10.0.9.9","attachment":{"attachmentId":"eni-attach-html","deviceIndex":0,"status":"attaching"},"privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.9.9","primary":true}]},"groupSet":{"items":[{"groupId":"sg-0html"}]}}]}}]}}""")) + "]}";
        dir.Write("111122223333_CloudTrail_us-east-1_20260302T0001Z_html.json", json);
        dir.Write("flows-html.log", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
            "2 111122223333 eni-0html 198.51.100.7 10.0.9.9 50000 22 6 3 180 1772409900 1772409960 ACCEPT OK\n" +
            "2 111122223333 eni-0html 198.51.100.8 10.0.9.9 50001 22 6 3 180 1772409960 1772410020 REJECT OK\n");
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text)[1..^1];
}
