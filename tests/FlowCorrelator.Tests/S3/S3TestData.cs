using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FlowCorrelator.Tests.S3;

/// <summary>Small flow-log and CloudTrail files in the AWS S3 key layouts, written to a bucket and to a local folder.</summary>
internal static class S3TestData
{
    public const string Account = "111122223333";
    public const string HiveAccount = "444455556666";
    public const string OrgId = "o-abc123defg";
    public const string OrgAccount = "777788889999";
    public const string Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    public static readonly DateOnly FirstDay = new(2024, 5, 1);
    public const int Days = 20;

    /// <summary>Every key and its bytes.</summary>
    public static IReadOnlyDictionary<string, byte[]> Build()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        for (int d = 0; d < Days; d++)
        {
            DateOnly day = FirstDay.AddDays(d);
            string ymd = day.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture);
            string stamp = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            foreach (string hhmm in (string[])["0005", "1230"])
            {
                DateTime batch = day.ToDateTime(new TimeOnly(int.Parse(hhmm[..2], CultureInfo.InvariantCulture), int.Parse(hhmm[2..], CultureInfo.InvariantCulture)), DateTimeKind.Utc);
                files[$"AWSLogs/{Account}/vpcflowlogs/us-east-1/{ymd}/{Account}_vpcflowlogs_us-east-1_fl-0abc_{stamp}T{hhmm}Z_1a2b3c4d.log.gz"] = Gzip(FlowLines(Account, batch, d, 5));
                files[$"AWSLogs/{Account}/CloudTrail/us-east-1/{ymd}/{Account}_CloudTrail_us-east-1_{stamp}T{hhmm}Z_Mu0KsOhtH1ar15ZZ.json.gz"] = Gzip(Trail(batch, d));
                files[$"AWSLogs/{OrgId}/{OrgAccount}/CloudTrail/us-east-1/{ymd}/{OrgAccount}_CloudTrail_us-east-1_{stamp}T{hhmm}Z_Zz0KsOhtH1ar15ZZ.json.gz"] = Gzip(Trail(batch, d));
            }

            files[$"AWSLogs/{Account}/CloudTrail-Digest/us-east-1/{ymd}/{Account}_CloudTrail-Digest_us-east-1_trail_us-east-1_{stamp}T010000Z.json.gz"] =
                Gzip("{\"awsAccountId\":\"" + Account + "\",\"digestStartTime\":\"x\",\"logFiles\":[]}");
            string hive = $"year={day.Year:D4}/month={day.Month:D2}/day={day.Day:D2}";
            files[$"AWSLogs/aws-account-id={HiveAccount}/aws-service=vpcflowlogs/aws-region=eu-west-1/{hive}/hour=07/{HiveAccount}_vpcflowlogs_eu-west-1_fl-0def_{stamp}T0705Z_5e6f7a8b.log.gz"] =
                Gzip(FlowLines(HiveAccount, day.ToDateTime(new TimeOnly(7, 5), DateTimeKind.Utc), d, 3));
        }

        return files;
    }

    public static string FlowLines(string account, DateTime batch, int seed, int count)
    {
        var sb = new StringBuilder(Header).Append('\n');
        long end = new DateTimeOffset(batch).ToUnixTimeSeconds();
        for (int i = 0; i < count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"2 {account} eni-0{seed:x4}{i:x4}abcd 10.0.{seed}.{i + 1} 172.31.{i}.{seed + 1} {40000 + i} {(i % 2 == 0 ? 443 : 22)} 6 {i + 3} {(i + 1) * 840} {end - 60} {end} {(i % 3 == 0 ? "REJECT" : "ACCEPT")} OK\n");
        }

        return sb.ToString();
    }

    private static string Trail(DateTime batch, int seed) =>
        "{\"Records\":[{\"eventVersion\":\"1.08\",\"eventTime\":\"" + batch.AddMinutes(-3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) +
        "\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"CreateSecurityGroup\",\"awsRegion\":\"us-east-1\",\"eventID\":\"" + Guid.NewGuid() +
        "\",\"requestParameters\":{\"groupName\":\"g" + seed + "\"},\"responseElements\":{\"groupId\":\"sg-0" + seed.ToString("x8", CultureInfo.InvariantCulture) + "\"}}]}";

    public static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    public static void WriteLocal(string root, IReadOnlyDictionary<string, byte[]> files)
    {
        foreach ((string key, byte[] bytes) in files)
        {
            string path = Path.Combine(root, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
    }

    /// <summary>The day folder of a key in either layout.</summary>
    public static DateOnly? DayOf(string key)
    {
        string[] parts = key.Split('/');
        for (int i = 0; i + 2 < parts.Length; i++)
        {
            string y = parts[i].Replace("year=", string.Empty, StringComparison.Ordinal);
            string m = parts[i + 1].Replace("month=", string.Empty, StringComparison.Ordinal);
            string dd = parts[i + 2].Replace("day=", string.Empty, StringComparison.Ordinal);
            if (y.Length == 4 && int.TryParse(y, out int year) && int.TryParse(m, out int month) && int.TryParse(dd, out int day) && month is >= 1 and <= 12 && day is >= 1 and <= 31)
            {
                return new DateOnly(year, month, day);
            }
        }

        return null;
    }
}
