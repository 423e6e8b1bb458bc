using System.Globalization;
using System.Text;
using System.Text.Json;
using FlowCorrelator.Cli;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>The reader as the <c>flows</c> command shows it: JSON, CSV and exit codes.</summary>
public sealed partial class FlowLogReaderTests
{
    [Test]
    public async Task FlowsCommand_JsonFormat_WritesTypedCamelCasedRecordsAndDiagnostics()
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            string path = Path.Combine(dir, "a.log");
            await File.WriteAllTextAsync(path, "version account-id interface-id srcaddr dstport log-status vpc-id\n3 123456789012 eni-0abc 10.0.0.1 443 OK -\n");
            var (code, stdout, stderr) = await RunCliAsync("flows", "--format", "json", path);

            Assert.That(code, Is.EqualTo(ExitCodes.Success), stderr);
            using JsonDocument doc = JsonDocument.Parse(stdout);
            JsonElement record = doc.RootElement.GetProperty("records").EnumerateArray().Single();
            Assert.That(record.GetProperty("version").GetInt32(), Is.EqualTo(3));
            Assert.That(record.GetProperty("accountId").ValueKind, Is.EqualTo(JsonValueKind.String), "account ids keep leading zeros as text");
            Assert.That(record.GetProperty("interfaceId").GetString(), Is.EqualTo("eni-0abc"));
            Assert.That(record.GetProperty("srcaddr").GetString(), Is.EqualTo("10.0.0.1"));
            Assert.That(record.GetProperty("dstport").GetInt32(), Is.EqualTo(443));
            Assert.That(record.GetProperty("logStatus").GetString(), Is.EqualTo("OK"));
            Assert.That(record.GetProperty("vpcId").ValueKind, Is.EqualTo(JsonValueKind.Null));
            JsonElement diagnostics = doc.RootElement.GetProperty("diagnostics");
            Assert.That(diagnostics.GetProperty("flowRecords").GetInt64(), Is.EqualTo(1));
            Assert.That(diagnostics.GetProperty("malformed").GetInt64(), Is.Zero);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task FlowsCommand_MalformedLine_ExitsWithInputProblems()
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            string path = Path.Combine(dir, "bad.log");
            await File.WriteAllTextAsync(path, V2Header + "\n" + Line(1) + "\n2 not a flow line\n");
            var (code, stdout, _) = await RunCliAsync("flows", "--format", "json", path);

            Assert.That(code, Is.EqualTo(ExitCodes.InputProblems));
            using JsonDocument doc = JsonDocument.Parse(stdout);
            Assert.That(doc.RootElement.GetProperty("records").GetArrayLength(), Is.EqualTo(1));
            JsonElement sample = doc.RootElement.GetProperty("diagnostics").GetProperty("files")[0].GetProperty("samples")[0];
            Assert.That(sample.GetProperty("line").GetInt64(), Is.EqualTo(3));
            Assert.That(sample.GetProperty("reason").GetString(), Is.EqualTo("FieldCount"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task FlowsCommand_CsvFormat_ParsesBack()
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            string path = Path.Combine(dir, "a.log");
            await File.WriteAllTextAsync(path, "version srcaddr dstaddr log-status odd-field\n2 10.0.0.1 2001:db8::1 NODATA \"quoted,value\"\n2 10.0.0.2 10.0.0.3 OK -\n");
            var (code, stdout, stderr) = await RunCliAsync("flows", "--format", "csv", path);

            Assert.That(code, Is.EqualTo(ExitCodes.Success), stderr);
            List<string[]> table = ParseCsv(stdout);
            string[] header = table[0];
            var rows = table.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();

            Assert.That(header, Does.Contain("srcaddr").And.Contain("log-status").And.Contain("extra"));
            Assert.That(rows, Has.Count.EqualTo(2));
            Assert.That(rows[0]["file"], Is.EqualTo(path));
            Assert.That(rows[0]["line"], Is.EqualTo("2"));
            Assert.That(rows[0]["dstaddr"], Is.EqualTo("2001:db8::1"));
            Assert.That(rows[0]["log-status"], Is.EqualTo("NODATA"));
            Assert.That(rows[0]["vpc-id"], Is.Empty, "a field the file lacks is empty");
            Assert.That(rows[0]["extra"], Is.EqualTo("odd-field=\"quoted,value\""));
            Assert.That(rows[1]["extra"], Is.EqualTo("odd-field=-"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task FlowsCommand_RealSamples_ExitZeroWithNoDataAndSkipData()
    {
        string dir = RealDataFolder("awsdocs-examples/vpc-flow-logs");
        var (code, stdout, stderr) = await RunCliAsync("flows", dir);

        Assert.That(code, Is.EqualTo(ExitCodes.Success), stdout + stderr);
        Assert.That(stdout, Does.Contain("8 files, 27 records (1 NODATA, 1 SKIPDATA), 0 malformed."));
    }

    /// <summary>RFC 4180: quoted fields, doubled quotes, LF row ends; independent of the writer under test.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
            }
            else if (c != '\r')
            {
                field.Append(c);
            }
        }

        return rows;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
