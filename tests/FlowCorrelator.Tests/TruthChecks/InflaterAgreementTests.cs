using System.Globalization;
using System.Text.Json.Nodes;
using FlowCorrelator.Ingest;
using FlowCorrelator.Scenarios;
using FlowCorrelator.Tests.Ingest;

namespace FlowCorrelator.Tests.TruthChecks;

/// <summary>
/// <c>investigate --format json</c> on a generated world, plus a copy of one flow file cut short, gives byte-identical
/// JSON with <c>--inflater native</c> and <c>--inflater managed</c>, apart from the fields that say which inflater ran.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class InflaterAgreementTests
{
    private static readonly string[] InflaterKeys = ["inflater", "nativeInflaterFallbacks", "nativeInflaterFellBack"];

    [Test]
    public async Task Investigate_GeneratedWorld_SameJsonWithEitherInflater()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fc-inflaters-{Environment.ProcessId}");
        try
        {
            var options = ScenarioOptions.Default with { Seed = 11, Format = ScenarioFormat.V2, FlowLines = 30_000 };
            ScenarioGenerator.Write(dir, options);
            string[] flows = Directory.GetFiles(dir, "*.log.gz", SearchOption.AllDirectories);
            Assert.That(flows, Is.Not.Empty);
            string victim = flows.OrderBy(f => f, StringComparer.Ordinal).First();
            byte[] whole = await File.ReadAllBytesAsync(victim);
            await File.WriteAllBytesAsync(victim.Replace(".log.gz", "-cut.log.gz", StringComparison.Ordinal), whole[..(whole.Length * 2 / 3)]);

            Inflater native = TestInflaters.Resolve(Inflater.Native);
            string tag = options.AccessTagKey + "=" + options.AccessTagValue;
            string port = options.AccessPort.ToString(CultureInfo.InvariantCulture);
            (int nativeExit, string nativeJson, string nativeErr) = await RunCliAsync("investigate", dir, "--tag", tag, "--port", port, "--format", "json", "--inflater", native == Inflater.Native ? "native" : "managed");
            (int managedExit, string managedJson, string managedErr) = await RunCliAsync("investigate", dir, "--tag", tag, "--port", port, "--format", "json", "--inflater", "managed");

            Assert.That(nativeExit, Is.EqualTo(1), nativeErr + " (the cut file is a problem)");
            Assert.That(managedExit, Is.EqualTo(1), managedErr);
            JsonNode nativeRoot = JsonNode.Parse(nativeJson)!;
            JsonNode managedRoot = JsonNode.Parse(managedJson)!;
            Assert.That((string?)managedRoot["diagnostics"]!["inflater"], Is.EqualTo("managed"));
            if (native == Inflater.Native)
            {
                Assert.That((string?)nativeRoot["diagnostics"]!["inflater"], Is.EqualTo("native+managed"), "the cut file falls back");
                Assert.That((int?)nativeRoot["diagnostics"]!["nativeInflaterFallbacks"], Is.EqualTo(1));
            }

            Assert.That(nativeRoot["accessAttempts"]!.AsArray(), Is.Not.Empty, "the world answers question 1");
            Assert.That(Strip(nativeRoot).ToJsonString(), Is.EqualTo(Strip(managedRoot).ToJsonString()));
            Assert.That(Strip(nativeRoot).ToJsonString(), Does.Contain("CorruptCompression"), "the cut file is reported");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The JSON without the fields that name the inflater.</summary>
    private static JsonNode Strip(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (string key in InflaterKeys)
                {
                    o.Remove(key);
                }

                foreach (KeyValuePair<string, JsonNode?> kv in o.ToList())
                {
                    if (kv.Value is not null)
                    {
                        Strip(kv.Value);
                    }
                }

                break;
            case JsonArray a:
                foreach (JsonNode? item in a)
                {
                    if (item is not null)
                    {
                        Strip(item);
                    }
                }

                break;
        }

        return node;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = await FlowCorrelator.Cli.CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
