using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Scenarios.Traffic;
using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Scenarios;

/// <summary>
/// Writes a deterministic scenario: VPC flow logs and CloudTrail logs of a small AWS world in the S3 layout, and
/// <c>expected.json</c>, the answers to the six questions computed from the world model itself (never from the
/// files, never with the engine's code).
/// </summary>
/// <remarks>
/// Same options → same bytes: every random choice comes from <see cref="Random"/> instances seeded from
/// <see cref="ScenarioOptions.Seed"/> (one per flow file, so files can be written in parallel), no clock or GUID is
/// read, and gzip runs with fixed settings.
/// </remarks>
/// <threadsafety>Static and stateless; concurrent calls must use different output folders.</threadsafety>
public static class ScenarioGenerator
{
    private const int BatchSeconds = 300;

    /// <summary>The tag key version 11's <c>instance-tag</c> holds in the generated flow logs: the instance's Name.</summary>
    internal const string InstanceTagKey = "Name";

    /// <summary>
    /// The tag-field mapping a question over the <paramref name="format"/>'s flow logs is asked with (the flow log's
    /// <c>TagFieldSpecifications</c>, which the records do not carry): <c>instance-tag</c>=Name for version 11, none
    /// otherwise. <c>expected.json</c>'s <c>query.tagFields</c> states it.
    /// </summary>
    public static ImmutableArray<TagFieldMapping> TagFields(ScenarioFormat format) =>
        format == ScenarioFormat.V11 ? [new TagFieldMapping("instance-tag", InstanceTagKey)] : [];

    /// <summary>Writes the scenario into <paramref name="outDir"/> (created if missing) and returns what was written.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="IOException">A file could not be written.</exception>
    public static ScenarioSummary Write(string outDir, ScenarioOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(outDir);

        WorldModel world = WorldBuilder.Build(options);
        Timeline timeline = Timeline.Build(world, options);
        var traffic = new TrafficModel(world, timeline, options.Seed);
        FlowLogSchema schema = FlowFormats.For(options.Format);
        byte[] vpc = Encoding.ASCII.GetBytes(world.Subnets.Count > 0 ? VpcOf(world) : "-");

        int batches = options.Days * 86_400 / BatchSeconds;
        FlowRec[][] traps = TrapRecords(world, timeline, batches);
        var exposure = ExposureExpectations.Build(world, timeline);
        var accumulators = new Accumulator[batches];
        var flowFiles = new string?[batches];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(0, batches, parallel, b =>
        {
            var rng = new Random(BatchSeed(options.Seed, b));
            var acc = new Accumulator(timeline.RulesByIndex.Count, options) { Exposure = exposure };
            accumulators[b] = acc;
            int count = (int)(options.FlowLines / batches + (b < options.FlowLines % batches ? 1 : 0));
            string hash = rng.Next().ToString("x8", CultureInfo.InvariantCulture);
            if (count == 0)
            {
                return;
            }

            long batchStart = world.FlowStart + (long)b * BatchSeconds;
            DateTime at = DateTime.UnixEpoch.AddSeconds(batchStart);
            string extension = options.Format == ScenarioFormat.Parquet ? "log.parquet" : "log.gz";
            string relative = string.Create(CultureInfo.InvariantCulture,
                $"AWSLogs/{WorldBuilder.Account}/vpcflowlogs/{WorldBuilder.Region}/{at:yyyy}/{at:MM}/{at:dd}/{WorldBuilder.Account}_vpcflowlogs_{WorldBuilder.Region}_{world.FlowLogId}_{at:yyyyMMdd'T'HHmm'Z'}_{hash}.{extension}");
            string path = Path.Combine(outDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);

            // The traps' records take the last places of their batch, so the random records before them are drawn
            // as they would be without traps (a batch too small for its traps drops the ones that do not fit).
            FlowRec[] batchTraps = traps[b];
            int random = count - Math.Min(count, batchTraps.Length);
            int drawn = 0;
            FlowRec Next()
            {
                if (drawn >= random)
                {
                    FlowRec trap = batchTraps[drawn++ - random];
                    acc.Add(trap, timeline.At(trap.Start));
                    return trap;
                }

                drawn++;
                var r = default(FlowRec);
                // The file holds the records whose end falls in its 5-minute batch; windows are at most 60 s.
                r.End = batchStart + rng.Next(BatchSeconds);
                r.Start = r.End - 1 - rng.Next(55);
                // Every event happens on second 30 of a minute: random starts on seconds 28–32 are moved 5 s earlier,
                // so no random record starts within 2 s of a state change (end − start stays ≤ 60). Only the traps'
                // records start on an event's second or the second before.
                long second = ((r.Start % 60) + 60) % 60;
                if (second is >= 28 and <= 32)
                {
                    r.Start -= 5;
                }

                Epoch epoch = traffic.Next(rng, ref r);
                acc.Add(r, epoch);
                return r;
            }

            if (options.Format == ScenarioFormat.Parquet)
            {
                FlowFileWriter.WriteParquet(path, schema, vpc, count, Next);
            }
            else
            {
                FlowFileWriter.WriteText(path, schema, vpc, count, Next);
            }

            flowFiles[b] = relative;
        });

        var total = new Accumulator(timeline.RulesByIndex.Count, options) { Exposure = exposure };
        foreach (Accumulator a in accumulators)
        {
            total.Merge(a);
        }

        List<string> trailFiles = CloudTrailWriter.Write(outDir, world, options.Seed);
        InvestigationResult expected = Expectations.Compute(world, timeline, total, options);
        string json = FindingsJson.Serialize(expected) + "\n";
        File.WriteAllText(Path.Combine(outDir, "expected.json"), json, new UTF8Encoding(false));

        return new ScenarioSummary
        {
            Files = [.. flowFiles.Where(f => f is not null).Select(f => f!).Concat(trailFiles).Append("expected.json").Order(StringComparer.Ordinal)],
            FlowLines = options.FlowLines,
            OkRecords = total.OkRecords,
            CloudTrailEvents = world.Events.Count(e => e.InTrail),
            Expected = expected,
            Landmarks = world.Landmarks,
            Attribution = total.Attribution,
        };
    }

    /// <summary>
    /// The traps' flow records by batch: inbound tcp to the interface's address, admitted or not by the groups in
    /// force at the record's start, ending 5 s after it (in the start's batch: traps start on seconds 29 and 30).
    /// </summary>
    private static FlowRec[][] TrapRecords(WorldModel world, Timeline timeline, int batches)
    {
        var byBatch = new List<FlowRec>[batches];
        for (int i = 0; i < world.TrapFlows.Count; i++)
        {
            TrapFlow t = world.TrapFlows[i];
            Epoch epoch = timeline.At(t.Start);
            EniView eni = epoch.Eni(t.EniId, timeline.EniIndex) ?? throw new InvalidOperationException($"Trap record on {t.EniId}, which does not exist then.");
            var r = new FlowRec
            {
                Eni = eni,
                Ingress = true,
                Src = t.Src,
                Dst = eni.Ip,
                SrcPort = 40_000 + i,
                DstPort = t.DstPort,
                Protocol = 6,
                Packets = 3,
                Bytes = 180,
                Start = t.Start,
                End = t.Start + 5,
                RecordInstance = t.RecordInstanceId,
                // The Name AWS wrote: the world's, of the instance the interface is attached to a moment later.
                RecordNameTag = t.RecordInstanceId is null ? null : timeline.At(t.Start + 5).Eni(t.EniId, timeline.EniIndex)?.NameTag,
            };
            r.Accept = Accumulator.Admits(r, epoch);
            r.TcpFlags = r.Accept ? 3 : 2;
            long batch = (r.End - world.FlowStart) / BatchSeconds;
            if (batch >= 0 && batch < batches)
            {
                (byBatch[batch] ??= []).Add(r);
            }
        }

        return [.. byBatch.Select(l => l?.ToArray() ?? [])];
    }

    internal static string VpcOf(WorldModel world) =>
        world.Events.Where(e => e.EventName == "CreateSecurityGroup").Select(e => e.Request!["vpcId"]!.GetValue<string>()).First();

    /// <summary>A well-mixed per-file seed (SplitMix64 finaliser), so neighbouring files do not share random streams.</summary>
    private static int BatchSeed(int seed, int batch)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)batch) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
