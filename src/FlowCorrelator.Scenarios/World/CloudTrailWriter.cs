using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

/// <summary>
/// Delivers the model's events as CloudTrail S3 objects: a file per 5-minute delivery slot, 5–15 minutes after the
/// event, records shuffled within a file, some events a day late (a later day's folder) and one event twice. Events
/// that share a second go into one file, in the reverse of the order they apply.
/// </summary>
internal static class CloudTrailWriter
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static List<string> Write(string outDir, WorldModel world, int seed)
    {
        var rng = new Random(unchecked(seed * 104_729 + 11));
        var slots = new SortedDictionary<long, List<TrailEvent>>();
        void Deliver(long slot, TrailEvent e)
        {
            if (!slots.TryGetValue(slot, out List<TrailEvent>? list))
            {
                slots[slot] = list = [];
            }

            list.Add(e);
        }

        var late = new HashSet<string>(world.LateDelivered, StringComparer.Ordinal);
        // Only the calls the trail holds are written (TrailEvent.InTrail).
        TrailEvent[] written = [.. world.Events.Where(e => e.InTrail)];
        var sharedSeconds = written.GroupBy(e => e.Time).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var slotOfSecond = new Dictionary<long, long>();
        foreach (TrailEvent e in written)
        {
            long delivery = e.Time + 300 + rng.Next(600) + (late.Contains(e.EventId) ? 90_000 : 0);
            long slot = delivery / 300;
            if (sharedSeconds.Contains(e.Time))
            {
                // The whole second in one file, so the order the file gives them is one the engine must ignore.
                slot = slotOfSecond.TryGetValue(e.Time, out long first) ? first : slotOfSecond[e.Time] = slot;
            }

            Deliver(slot, e);
            if (e.EventId == world.Duplicated)
            {
                Deliver(slot + 2, e);
            }
        }

        var files = new List<string>();
        var unique = new char[16];
        foreach ((long slot, List<TrailEvent> events) in slots)
        {
            // Shuffle so that no file is in time order (Fisher–Yates with the scenario's generator).
            for (int i = events.Count - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (events[i], events[j]) = (events[j], events[i]);
            }

            // Within the places the shuffle gave a second's events, put them last-applied first: a reader that
            // applies a second in file order gets every same-second trap wrong.
            foreach (IGrouping<long, int> second in Enumerable.Range(0, events.Count).Where(i => sharedSeconds.Contains(events[i].Time)).GroupBy(i => events[i].Time))
            {
                int[] places = [.. second];
                TrailEvent[] reversed = [.. TrailEvent.InApplicationOrder(places.Select(i => events[i])).Reverse()];
                for (int k = 0; k < places.Length; k++)
                {
                    events[places[k]] = reversed[k];
                }
            }

            DateTime at = DateTime.UnixEpoch.AddSeconds(slot * 300);
            for (int i = 0; i < unique.Length; i++)
            {
                unique[i] = Alphabet[rng.Next(Alphabet.Length)];
            }

            string relative = string.Create(CultureInfo.InvariantCulture,
                $"AWSLogs/{WorldBuilder.Account}/CloudTrail/{WorldBuilder.Region}/{at:yyyy}/{at:MM}/{at:dd}/{WorldBuilder.Account}_CloudTrail_{WorldBuilder.Region}_{at:yyyyMMdd'T'HHmm'Z'}_{new string(unique)}.json.gz");
            string path = Path.Combine(outDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
            using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            using (var writer = new Utf8JsonWriter(gzip))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("Records");
                foreach (TrailEvent e in events)
                {
                    WriteRecord(writer, e);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            files.Add(relative);
        }

        return files;
    }

    private static void WriteRecord(Utf8JsonWriter w, TrailEvent e)
    {
        Actor a = e.Actor;
        w.WriteStartObject();
        w.WriteString("eventVersion", "1.10");
        if (e.ServiceEventDetails is not null)
        {
            WriteServiceEvent(w, e);
            return;
        }

        w.WriteStartObject("userIdentity");
        if (a.AssumedRole)
        {
            string role = a.UserName;
            w.WriteString("type", "AssumedRole");
            w.WriteString("principalId", "AROAEXAMPLE" + role.ToUpperInvariant() + ":" + a.Arn[(a.Arn.LastIndexOf('/') + 1)..]);
            w.WriteString("arn", a.Arn);
            w.WriteString("accountId", WorldBuilder.Account);
            w.WriteString("accessKeyId", "ASIAEXAMPLE" + role.ToUpperInvariant());
            w.WriteStartObject("sessionContext");
            w.WriteStartObject("sessionIssuer");
            w.WriteString("type", "Role");
            w.WriteString("principalId", "AROAEXAMPLE" + role.ToUpperInvariant());
            w.WriteString("arn", $"arn:aws:iam::{WorldBuilder.Account}:role/{role}");
            w.WriteString("accountId", WorldBuilder.Account);
            w.WriteString("userName", role);
            w.WriteEndObject();
            w.WriteStartObject("webIdFederationData");
            w.WriteEndObject();
            w.WriteStartObject("attributes");
            w.WriteString("creationDate", Time(e.Time - 600));
            w.WriteString("mfaAuthenticated", "false");
            w.WriteEndObject();
            w.WriteEndObject();
            if (a.InvokedBy is not null)
            {
                w.WriteString("invokedBy", a.InvokedBy);
            }
        }
        else
        {
            w.WriteString("type", "IAMUser");
            w.WriteString("principalId", "AIDAEXAMPLE" + a.UserName.ToUpperInvariant().Replace("-", string.Empty, StringComparison.Ordinal));
            w.WriteString("arn", a.Arn);
            w.WriteString("accountId", WorldBuilder.Account);
            w.WriteString("accessKeyId", "AKIAEXAMPLE" + a.UserName.ToUpperInvariant().Replace("-", string.Empty, StringComparison.Ordinal));
            w.WriteString("userName", a.UserName);
        }

        w.WriteEndObject();
        w.WriteString("eventTime", Time(e.Time));
        w.WriteString("eventSource", e.EventSource);
        w.WriteString("eventName", e.EventName);
        w.WriteString("awsRegion", WorldBuilder.Region);
        w.WriteString("sourceIPAddress", a.SourceIp);
        w.WriteString("userAgent", a.UserAgent);
        if (e.ErrorCode is not null)
        {
            w.WriteString("errorCode", e.ErrorCode);
            w.WriteString("errorMessage", e.ErrorMessage);
        }

        w.WritePropertyName("requestParameters");
        WriteNode(w, e.Request);
        w.WritePropertyName("responseElements");
        WriteNode(w, e.Succeeded ? e.Response : null);
        w.WriteString("requestID", RequestId(e));
        w.WriteString("eventID", e.EventId);
        w.WriteBoolean("readOnly", false);
        w.WriteString("eventType", "AwsApiCall");
        w.WriteBoolean("managementEvent", true);
        w.WriteString("recipientAccountId", WorldBuilder.Account);
        w.WriteString("eventCategory", "Management");
        w.WriteStartObject("tlsDetails");
        w.WriteString("tlsVersion", "TLSv1.3");
        w.WriteString("cipherSuite", "TLS_AES_128_GCM_SHA256");
        w.WriteString("clientProvidedHostHeader", e.EventSource.Replace(".amazonaws.com", ".us-east-1.amazonaws.com", StringComparison.Ordinal));
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// A service event as the CloudTrail User Guide shows one (BidEvictedEvent): the account and the service in
    /// <c>userIdentity</c>, no request or response, what happened in <c>serviceEventDetails</c>.
    /// </summary>
    private static void WriteServiceEvent(Utf8JsonWriter w, TrailEvent e)
    {
        w.WriteStartObject("userIdentity");
        w.WriteString("accountId", WorldBuilder.Account);
        w.WriteString("invokedBy", e.Actor.SourceIp);
        w.WriteEndObject();
        w.WriteString("eventTime", Time(e.Time));
        w.WriteString("eventSource", e.EventSource);
        w.WriteString("eventName", e.EventName);
        w.WriteString("awsRegion", WorldBuilder.Region);
        w.WriteString("sourceIPAddress", e.Actor.SourceIp);
        w.WriteString("userAgent", e.Actor.UserAgent);
        w.WriteNull("requestParameters");
        w.WriteNull("responseElements");
        w.WriteString("eventID", e.EventId);
        w.WriteBoolean("readOnly", false);
        w.WriteString("eventType", "AwsServiceEvent");
        w.WriteBoolean("managementEvent", true);
        w.WriteString("recipientAccountId", WorldBuilder.Account);
        w.WritePropertyName("serviceEventDetails");
        e.ServiceEventDetails!.WriteTo(w);
        w.WriteString("eventCategory", "Management");
        w.WriteEndObject();
    }

    private static string RequestId(TrailEvent e)
    {
        JsonNode? id = e.Response?["requestId"] ?? e.Response?["ModifySecurityGroupRulesResponse"]?["requestId"]
            ?? e.Response?["CreateLaunchTemplateResponse"]?["requestId"] ?? e.Response?["CreateLaunchTemplateVersionResponse"]?["requestId"]
            ?? e.Response?["CreateFleetResponse"]?["requestId"];
        // Failed calls have no response; their request id is derived from the event id (any stable GUID would do).
        return id?.GetValue<string>() ?? e.EventId[..24] + "0000" + e.EventId[28..];
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? node)
    {
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }

    private static string Time(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
