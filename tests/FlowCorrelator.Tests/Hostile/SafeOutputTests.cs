using System.Text;
using System.Text.Json;
using FlowCorrelator.Cli;

namespace FlowCorrelator.Tests.Hostile;

/// <summary>
/// Attacker-controlled CloudTrail text (actor ARN, source IP, user agent, tags) through every output format of the CLI:
/// JSON stays valid, terminals and Markdown get no control sequences, spreadsheets get no formulas.
/// </summary>
public sealed class SafeOutputTests
{
    // JSON-escaped: ESC sequences (SGR, OSC title), BEL, NUL, C1 CSI, every kind of bidi control, and a formula.
    private const string HostileActor = @"arn:aws:iam::111122223333:user/ev\u001b[31mil\u001b]0;pwned\u0007\u0000\u202Egnp.exe\u009b2J\u2066\u200F\u061C\u202A\u2069";
    private const string HostileIp = "=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")";

    [TestCase("json")]
    [TestCase("table")]
    [TestCase("markdown")]
    [TestCase("csv")]
    public async Task Investigate_HostileCloudTrailText_IsSafeInEveryFormat(string format)
    {
        using var dir = new CorpusTests.TempDir();
        WriteWorld(dir);
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", format]);

        // The invalid UTF-8 is repaired and reported, so the run is complete in content but not byte-exact.
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stderr, Does.Not.Contain("\u001b"), "no raw ESC in messages");
        switch (format)
        {
            case "json":
                Assert.That(stdout, Does.Not.Contain("\u001b"), "JSON escapes control characters");
                using (JsonDocument doc = JsonDocument.Parse(stdout))
                {
                    JsonElement change = doc.RootElement.GetProperty("ruleChanges").EnumerateArray().Single(c => c.GetProperty("eventName").GetString() == "AuthorizeSecurityGroupIngress");
                    Assert.That(change.GetProperty("actor").GetString(), Does.Contain("\u001b[31m").And.Contain("\u202E"), "JSON keeps the exact text, escaped");
                    Assert.That(change.GetProperty("sourceIp").GetString(), Does.StartWith("=HYPERLINK"));
                    JsonElement file = doc.RootElement.GetProperty("diagnostics").GetProperty("files").EnumerateArray().Single();
                    Assert.That(file.GetProperty("samples")[0].GetProperty("reason").GetString(), Is.EqualTo("InvalidEncoding"));
                }

                Assert.That(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(stdout)), Is.EqualTo(stdout), "no lone surrogates: the text is valid UTF-8");
                break;
            case "table" or "markdown":
                AssertNoControlCharacters(stdout);
                Assert.That(stdout, Does.Contain("sg-0hostile"));
                if (format == "markdown")
                {
                    // Tables cut long cells; Markdown shows them whole, with the escapes visible.
                    Assert.That(stdout, Does.Contain(@"user/ev\\x1b\[31mil\\x1b\]0;pwned\\x07\\x00\\u202egnp.exe\\x9b2J\\u2066\\u200f\\u061c\\u202a\\u2069"), "every control shown as an escape, Markdown-escaped");
                }

                break;
            default:
                string line = stdout.Split('\n').Single(l => l.Contains("AuthorizeSecurityGroupIngress", StringComparison.Ordinal));
                Assert.That(line, Does.Contain(",\"'=HYPERLINK("), "the formula cell is neutralised");
                Assert.That(line, Does.Not.Contain(",=HYPERLINK(").And.Not.Contain(",\"=HYPERLINK("));
                Assert.That(line, Does.Contain(@"user/ev\x1b[31mil\x1b]0;pwned\x07\x00\u202egnp.exe\x9b2J\u2066\u200f\u061c\u202a\u2069"), "the cell shows every control as an escape");
                AssertNoControlCharacters(stdout, allowTab: true);
                AssertNoControlCharacters(stderr);
                break;
        }
    }

    [TestCase("flows", "table")]
    [TestCase("investigate", "table")]
    [TestCase("investigate", "json")]
    public async Task Cli_S3SourceWithCredentialsInTheEnvironment_NeverPrintsThem(string command, string format)
    {
        const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzzKEY";
        const string Token = "FwoGZXIvYXdzEXAMPLESESSIONTOKENzzzzTOKENzz";
        string?[] saved = [Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"), Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN"), Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")];
        try
        {
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", Secret);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", Token);
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID0000");
            // A closed loopback port: the credentials are used for signing but nothing leaves the machine.
            (int exit, string stdout, string stderr) = await CorpusTests.RunAsync([command, "s3://no-such-bucket-flowcorrelator/AWSLogs/", "--endpoint-url", "http://127.0.0.1:9", "--format", format]);

            Assert.That(exit, Is.EqualTo(ExitCodes.Failure), "an unreachable source is exit code 3");
            Assert.That(stderr, Does.Contain("s3://no-such-bucket-flowcorrelator"));
            Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
            foreach (string output in new[] { stdout, stderr })
            {
                Assert.That(output, Does.Not.Contain(Secret).And.Not.Contain(Token).And.Not.Contain("AKIAEXAMPLEKEYID0000"));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved[0]);
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", saved[1]);
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved[2]);
        }
    }

    [Test]
    public async Task Cli_StrictModeErrorQuotingLogContent_IsTerminalSafe()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("ct.json", "{\"Records\":[{\"eventVersion\":\"1.08\",\"eventID\":\"id\\u001b]0;x\\u0007\\u001b[2J\",\"eventName\":\"X\"}]}");
        (int exit, _, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--strict", "--format", "json"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        Assert.That(stderr, Does.StartWith("error: "));
        AssertNoControlCharacters(stderr);
    }

    [TestCase("csv")]
    [TestCase("markdown")]
    [TestCase("table")]
    [TestCase("json")]
    public async Task Investigate_HostileTrailToOutputFolder_EveryFileButJsonIsNeutralised(string format)
    {
        using var dir = new CorpusTests.TempDir();
        WriteWorld(dir);
        string output = System.IO.Path.Combine(dir.Path, "out");
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", format, "--output", output]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        AssertNoControlCharacters(stdout);
        var answers = new StringBuilder();
        foreach (string file in Directory.GetFiles(output))
        {
            string text = await File.ReadAllTextAsync(file);
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                using JsonDocument doc = JsonDocument.Parse(text); // valid, and the exact text is tested above
            }
            else
            {
                AssertNoControlCharacters(text, allowTab: format == "csv");
            }

            answers.Append(text);
        }

        Assert.That(answers.ToString(), Does.Contain(format == "json" ? "\\u001B[" : "x1b"), "the hostile text is in the files, neutralised (or JSON-escaped)");
    }

    [TestCase("table")]
    [TestCase("csv")]
    [TestCase("json")]
    public async Task Timeline_HostileTrail_IsSafeInEveryFormat(string format)
    {
        using var dir = new CorpusTests.TempDir();
        WriteWorld(dir);
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["timeline", dir.Path, "--group", "sg-0hostile", "--format", format]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("sg-0hostile"));
        if (format == "json")
        {
            using JsonDocument doc = JsonDocument.Parse(stdout);
            Assert.That(doc.RootElement.GetProperty("timeline").EnumerateArray().Any(e => e.GetProperty("actor").GetString()!.Contains('\u202E', StringComparison.Ordinal)), Is.True, "JSON keeps the exact actor");
        }
        else
        {
            Assert.That(stdout, Does.Contain("\\x1b"), "the actor is shown, neutralised");
            AssertNoControlCharacters(stdout, allowTab: format == "csv");
        }
    }

    [TestCase("table")]
    [TestCase("csv")]
    public async Task Flows_HostileExtraFieldAndFileName_AreNeutralised(string format)
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("flows\u202Egol.txt", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status x-note\n" +
            "2 111122223333 eni-0a1b 198.51.100.9 10.0.0.5 50000 22 6 3 180 1772409600 1772409660 ACCEPT OK \u001b]0;pwned\u0007\u2067\n");
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["flows", dir.Path, "--format", format]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stdout, Does.Contain("\\u202e"), "the file name is shown, neutralised");
        if (format == "csv")
        {
            Assert.That(stdout, Does.Contain("x-note=\\x1b]0;pwned\\x07\\u2067"));
        }

        AssertNoControlCharacters(stdout, allowTab: format == "csv");
        AssertNoControlCharacters(stderr);
    }

    internal static void WriteWorld(CorpusTests.TempDir dir)
    {
        string Record(string id, string name, string request, string response) =>
            $$"""{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"{{HostileActor}}","accountId":"111122223333"},"eventTime":"2026-03-02T00:00:{{id[^2..]}}Z","eventSource":"ec2.amazonaws.com","eventName":"{{name}}","awsRegion":"us-east-1","sourceIPAddress":"{{HostileIp}}","userAgent":"UA-BAD-BYTES","requestParameters":{{request}},"responseElements":{{response}},"eventID":"{{id}}","eventType":"AwsApiCall","recipientAccountId":"111122223333"}""";
        string json = "{\"Records\":[" + string.Join(",\n",
            Record("ev-01", "CreateSecurityGroup", """{"groupName":"web\u001b[5m|<b>","groupDescription":"=1+1","vpcId":"vpc-1","tagSpecificationSet":{"items":[{"resourceType":"security-group","tags":[{"key":"Name","value":"\u001b]8;;http://evil\u0007click\u001b]8;;\u0007"}]}]}}""", """{"_return":true,"groupId":"sg-0hostile"}"""),
            Record("ev-02", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0hostile","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0","description":"-2+3+cmd|' /C calc'!A0"}]}}]}}""", """{"_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0hostile","securityGroupRuleId":"sgr-0hostile","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""")) + "]}";

        // Invalid UTF-8 (a lone continuation byte, an overlong NUL, 0xFF) straight into the user agent's bytes.
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        byte[] marker = Encoding.ASCII.GetBytes("UA-BAD-BYTES");
        byte[] bad = [(byte)'u', (byte)'a', 0x80, 0xC0, 0x80, 0xFF, (byte)'!', 0xE2, 0x80];
        var output = new List<byte>();
        for (int i = 0; i < bytes.Length;)
        {
            if (bytes.AsSpan(i).StartsWith(marker))
            {
                output.AddRange(bad);
                i += marker.Length;
            }
            else
            {
                output.Add(bytes[i++]);
            }
        }

        dir.Write("111122223333_CloudTrail_us-east-1_20260302T0000Z_x.json", [.. output]);
        dir.Write("flows.log", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
            "2 111122223333 eni-0a1b 198.51.100.9 10.0.0.5 50000 22 6 3 180 1772409600 1772409660 ACCEPT OK\n");
    }

    /// <summary>No C0 (but the line feeds that end lines, and tabs where CSV keeps them), DEL, C1 or bidi control.</summary>
    internal static void AssertNoControlCharacters(string text, bool allowTab = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool control = (c < 0x20 && c != '\n' && !(allowTab && c == '\t')) || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
                c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069' || c is '\u200E' or '\u200F' or '\u061C';
            Assert.That(control, Is.False, $"control character U+{(int)c:X4} at {i}: …{text.Substring(Math.Max(0, i - 40), Math.Min(80, text.Length - Math.Max(0, i - 40)))}…");
        }
    }
}
