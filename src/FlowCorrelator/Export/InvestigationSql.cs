using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Export;

/// <summary>What to generate SQL for. Immutable; change with <c>with</c>.</summary>
public sealed record SqlOptions
{
    /// <summary>Target engine.</summary>
    public required SqlDialect Dialect { get; init; }

    /// <summary>
    /// Athena/Trino: the S3 location above <c>AWSLogs/</c> (<c>s3://bucket</c> or <c>s3://bucket/prefix</c>).
    /// DuckDB: a local glob of <c>.log.gz</c> files.
    /// </summary>
    public required string FlowLocation { get; init; }

    /// <summary>Where the <c>export-index</c> output lives (a folder holding one folder per table).</summary>
    public required string IndexLocation { get; init; }

    /// <summary>Question 1 parameters; null leaves question 1 out.</summary>
    public AccessQuery? Access { get; init; }

    /// <summary>Start of the flow window (inclusive), or null.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the flow window (exclusive), or null.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Athena/Trino: the fields of the flow-log files, in order (the flow log's format).</summary>
    public FlowLogSchema FlowFields { get; init; } = FlowLogSchema.DefaultV2;

    /// <summary>Athena/Trino: account ids to project as partitions.</summary>
    public ImmutableArray<string> Accounts { get; init; } = [];

    /// <summary>Athena/Trino: regions to project as partitions.</summary>
    public ImmutableArray<string> Regions { get; init; } = [];

    /// <summary>Athena/Trino: first day of the date projection.</summary>
    public DateOnly ProjectionStart { get; init; } = new(2020, 1, 1);
}

/// <summary>Generated SQL: table definitions, then one query per question.</summary>
/// <param name="Dialect">The dialect it was generated for.</param>
/// <param name="Ddl">Statements (without the final semicolon) that define <c>flow_logs</c> and the index tables.</param>
/// <param name="Queries">Per question key (<see cref="InvestigationSql.QuestionKeys"/>), one query (without semicolon).</param>
public sealed record SqlScript(SqlDialect Dialect, ImmutableArray<string> Ddl, ImmutableArray<KeyValuePair<string, string>> Queries)
{
    /// <summary>The whole script, statements separated by semicolons, with a comment before each query.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("-- FlowCorrelator: the five questions as SQL (dialect ").Append(Dialect.Name).Append("). See docs/athena.md and docs/export-schema.md.\n\n");
        foreach (string statement in Ddl)
        {
            sb.Append(statement).Append(";\n\n");
        }

        foreach (KeyValuePair<string, string> q in Queries)
        {
            sb.Append("-- ").Append(q.Key).Append('\n').Append(q.Value).Append(";\n\n");
        }

        return sb.ToString();
    }
}

/// <summary>
/// The five questions of docs/semantics.md as SQL over the raw flow logs (table <c>flow_logs</c>) and the exported
/// index (<see cref="ExportSchema"/>). The query text is shared by all dialects; only the few functions in
/// <see cref="SqlDialect"/> differ.
/// </summary>
/// <remarks>
/// Known limit: SQL has no IPv6 arithmetic common to the three engines, so an IPv6 rule peer matches only when it is
/// <c>::/0</c> (any IPv6 source) or a <c>/128</c> equal to the source's text; other IPv6 prefixes, and IPv6 scanner
/// ranges, never match in SQL (the local engine matches them exactly).
/// </remarks>
public static class InvestigationSql
{
    /// <summary>Question keys, in order (the JSON names of the answers).</summary>
    public static ImmutableArray<string> QuestionKeys { get; } = ["accessAttempts", "ruleChanges", "groupAttachments", "unusedGroups", "ruleUsage"];

    /// <summary>Generates DDL and queries.</summary>
    /// <exception cref="ArgumentException">Athena/Trino without accounts or regions to project.</exception>
    public static SqlScript Generate(SqlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SqlDialect d = options.Dialect;
        if (d != SqlDialect.DuckDb && (options.Accounts.IsDefaultOrEmpty || options.Regions.IsDefaultOrEmpty))
        {
            throw new ArgumentException("Athena and Trino need at least one account and one region for partition projection.", nameof(options));
        }

        ImmutableArray<string> ddl = [d.FlowTable(options), .. ExportSchema.All.Select(t => d.IndexTable(t, options.IndexLocation))];
        var queries = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        if (options.Access is { } access)
        {
            queries.Add(new("accessAttempts", AccessAttempts(options, access)));
        }

        queries.Add(new("ruleChanges", RuleChanges(options)));
        queries.Add(new("groupAttachments", GroupAttachments(options)));
        queries.Add(new("unusedGroups", UnusedGroups(options)));
        queries.Add(new("ruleUsage", RuleUsage(options)));
        return new SqlScript(d, ddl, queries.ToImmutable());
    }

    /// <summary>
    /// The shared head of questions 1 and 5: OK records in the window (<c>flows</c>), then those inbound to an
    /// interface that exists at the record's start, with its group set and the scanner flag (<c>inbound</c>).
    /// One row of <c>inbound</c> per record: interface intervals never overlap.
    /// </summary>
    private static string InboundCtes(SqlOptions o)
    {
        SqlDialect d = o.Dialect;
        var where = new List<string> { "f.log_status = 'OK'" };
        if (o.From is { } from)
        {
            where.Add("f.start >= " + from.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }

        if (o.To is { } to)
        {
            where.Add("f.start < " + to.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }

        if (d != SqlDialect.DuckDb)
        {
            // Partition pruning: a file sits under the day of its delivery batch, which is at or after the record's
            // start; a record starting just before the window's end can land in the next day's folder.
            if (o.From is { } f)
            {
                where.Add("f.log_date >= " + SqlDialect.Literal(f.UtcDateTime.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture)));
            }

            if (o.To is { } t)
            {
                where.Add("f.log_date <= " + SqlDialect.Literal(t.UtcDateTime.AddDays(1).ToString("yyyy/MM/dd", CultureInfo.InvariantCulture)));
            }
        }

        bool hasDirection = d.HasFlowDirection(o);
        bool hasInstance = d.HasInstanceId(o);
        const string addressed =
            "(EXISTS (SELECT 1 FROM eni_addresses a WHERE a.eni = fl.eni AND a.ip = fl.dstaddr AND a.valid_from <= fl.ts AND fl.ts < a.valid_to)" +
            " OR EXISTS (SELECT 1 FROM eni_prefixes p WHERE p.eni = fl.eni AND fl.dst_v4 BETWEEN p.prefix_v4_first AND p.prefix_v4_last AND p.valid_from <= fl.ts AND fl.ts < p.valid_to))";
        string inbound = hasDirection
            ? $"(fl.flow_direction = 'ingress' OR (COALESCE(fl.flow_direction, '-') <> 'egress' AND {addressed}))"
            : addressed;
        return $"""
            WITH flows AS (
              SELECT f.interface_id AS eni, f.srcaddr, f.dstaddr, f.dstport, f.protocol, f.packets, f.bytes, f.start, f.action,
                     {(hasDirection ? "f.flow_direction" : "CAST(NULL AS varchar)")} AS flow_direction,
                     {(hasInstance ? "f.instance_id" : "CAST(NULL AS varchar)")} AS instance_id,
                     {RecordTag(o)} AS record_tag,
                     {d.TimestampFromEpochSeconds("f.start")} AS ts,
                     {SqlDialect.Ipv4ToNumber("f.srcaddr")} AS src_v4,
                     {SqlDialect.Ipv4ToNumber("f.dstaddr")} AS dst_v4
              FROM flow_logs f
              WHERE {string.Join("\n    AND ", where)}
            ),
            inbound AS (
              SELECT fl.*, s.group_ids,
                     CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
              FROM flows fl
              JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
              WHERE {inbound}
            ),
            unlinked AS (
              SELECT fl.*, COALESCE(s.group_ids, '') AS group_ids,
                     CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
              FROM flows fl
              LEFT JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
              WHERE fl.instance_id IS NOT NULL AND fl.instance_id <> '-'
                AND NOT EXISTS (SELECT 1 FROM eni_attachments a WHERE a.eni = fl.eni AND a.valid_from <= fl.ts AND fl.ts < a.valid_to)
                AND CASE WHEN s.eni IS NULL THEN COALESCE(fl.flow_direction, '-') = 'ingress' ELSE {inbound} END
            )
            """;
    }

    /// <summary>
    /// The record's value of question 1's tag key (docs/semantics.md, tag fields): the first mapped tag field, in the
    /// order instance-tag, instance-tag-2, asg-tag, asg-tag-2, whose value is not <c>-</c>; NULL without a mapping for
    /// the key, or when the table has none of those fields.
    /// </summary>
    private static string RecordTag(SqlOptions o)
    {
        if (o.Access is not { } q)
        {
            return "CAST(NULL AS varchar)";
        }

        // TagFieldMapping.Fields is the order in which the fields answer (the engine's TagFieldSlots reads it too).
        string[] values =
        [
            .. q.TagFields
                .Where(m => m.Key == q.TagKey)
                .OrderBy(m => TagFieldMapping.Fields.IndexOf(m.Field))
                .Where(m => o.Dialect.HasFlowField(o, FlowFieldNames.FromName(m.Field)))
                .Select(m => $"NULLIF(f.{ParquetFlowWriter.ColumnName(m.Field)}, '-')"),
        ];
        return values.Length switch
        {
            0 => "CAST(NULL AS varchar)",
            1 => values[0],
            _ => $"COALESCE({string.Join(", ", values)})",
        };
    }

    /// <summary>
    /// Question 1: records attributed to an instance — the attachment's (<c>index</c>), else the record's own
    /// <c>instance-id</c> (<c>flowRecord</c>, from <c>unlinked</c>) — that is running, with the tag: the index's tags
    /// when it knows any of the instance then (<c>tag_from</c> <c>index</c>), else the record's mapped tag field.
    /// </summary>
    private static string AccessAttempts(SqlOptions o, AccessQuery q)
    {
        string tag = $"t.key = {SqlDialect.Literal(q.TagKey)} AND t.value = {SqlDialect.Literal(q.TagValue)}";
        string port = $"dstport = {q.Port.ToString(CultureInfo.InvariantCulture)} AND {{0}}.protocol = {q.Protocol.ToString(CultureInfo.InvariantCulture)}";
        return $"""
            {InboundCtes(o)},
            attributed AS (
              SELECT i.*, a.instance, 'index' AS instance_from,
                     CASE WHEN EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = a.instance AND t.valid_from <= i.ts AND i.ts < t.valid_to)
                          THEN 'index' ELSE 'flowRecord' END AS tag_from
              FROM inbound i
              JOIN eni_attachments a ON a.eni = i.eni AND a.valid_from <= i.ts AND i.ts < a.valid_to AND a.instance_running
              WHERE i.{string.Format(CultureInfo.InvariantCulture, port, "i")}
              UNION ALL
              SELECT u.*, u.instance_id AS instance, 'flowRecord' AS instance_from,
                     CASE WHEN EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = u.instance_id AND t.valid_from <= u.ts AND u.ts < t.valid_to)
                          THEN 'index' ELSE 'flowRecord' END AS tag_from
              FROM unlinked u
              WHERE u.{string.Format(CultureInfo.InvariantCulture, port, "u")}
                AND NOT EXISTS (SELECT 1 FROM instance_states st WHERE st.instance = u.instance_id AND st.running_known AND NOT st.running
                  AND st.valid_from <= u.ts AND u.ts < st.valid_to)
            )
            SELECT x.instance AS instance_id, x.eni AS interface_id, x.group_ids AS security_groups, x.srcaddr AS src_addr,
                   SUM(CASE WHEN x.action = 'ACCEPT' THEN 1 ELSE 0 END) AS accepted,
                   SUM(CASE WHEN x.action = 'REJECT' THEN 1 ELSE 0 END) AS rejected,
                   SUM(COALESCE(x.packets, 0)) AS packets,
                   SUM(COALESCE(x.bytes, 0)) AS bytes,
                   MIN(x.ts) AS first_seen,
                   MAX(x.ts) AS last_seen,
                   x.is_scanner AS scanner,
                   x.instance_from,
                   x.tag_from
            FROM attributed x
            WHERE (x.tag_from = 'index' AND EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = x.instance AND {tag} AND t.valid_from <= x.ts AND x.ts < t.valid_to))
               OR (x.tag_from = 'flowRecord' AND x.record_tag = {SqlDialect.Literal(q.TagValue)})
            GROUP BY x.instance, x.eni, x.group_ids, x.srcaddr, x.is_scanner, x.instance_from, x.tag_from
            ORDER BY instance_id, interface_id, security_groups, src_addr, instance_from, tag_from
            """;
    }

    private static string TimeWindow(SqlOptions o, string column)
    {
        var where = new List<string>();
        if (o.From is { } from)
        {
            where.Add($"{column} >= {SqlDialect.TimestampLiteral(from)}");
        }

        if (o.To is { } to)
        {
            where.Add($"{column} < {SqlDialect.TimestampLiteral(to)}");
        }

        return where.Count == 0 ? string.Empty : "\nWHERE " + string.Join(" AND ", where);
    }

    private static string RuleChanges(SqlOptions o) =>
        "SELECT event_time, event_id, event_name, change, group_id, rule_id, direction, protocol, from_port, to_port, cidr,\n" +
        "       referenced_group_id, prefix_list_id, actor, source_ip, opens_to_world, risks, group_name, group_unresolved\n" +
        "FROM rule_changes" + TimeWindow(o, "event_time") + "\nORDER BY seq";

    private static string GroupAttachments(SqlOptions o) =>
        "SELECT event_time, event_id, event_name, interface_id, instance_id, groups_before, groups_after, added, removed, actor, groups_before_unknown\n" +
        "FROM group_attachments" + TimeWindow(o, "event_time") + "\nORDER BY seq";

    private static string UnusedGroups(SqlOptions o) => $"""
        SELECT sg.group_id, sg.group_name,
               CASE WHEN sg.created_in_evidence THEN '{UnusedGroupStatus.NeverAttached.ToWireName()}' ELSE '{UnusedGroupStatus.Unknown.ToWireName()}' END AS status,
               {o.Dialect.SortedJoin("ri.rule_id")} AS ingress_rule_ids
        FROM security_groups sg
        JOIN rule_inventory ri ON ri.group_id = sg.group_id AND NOT ri.is_egress AND ri.removed_at IS NULL
        WHERE NOT sg.attach_evidence
        GROUP BY sg.group_id, sg.group_name, sg.created_in_evidence
        ORDER BY sg.group_id
        """;

    private static string RuleUsage(SqlOptions o)
    {
        SqlDialect d = o.Dialect;
        string revokedBefore = o.To is { } to ? " AND ri.removed_at < " + SqlDialect.TimestampLiteral(to) : string.Empty;
        return $"""
            {InboundCtes(o)},
            hits AS (
              SELECT r.rule_id, i.srcaddr, i.start, i.is_scanner
              FROM inbound i
              JOIN eni_groups g ON g.eni = i.eni AND g.valid_from <= i.ts AND i.ts < g.valid_to
              JOIN group_rules r ON r.group_id = g.group_id AND r.valid_from <= i.ts AND i.ts < r.valid_to
              WHERE i.action = 'ACCEPT'
                AND (r.protocol = -1 OR (r.protocol = i.protocol AND (r.protocol IN (1, 58) OR (r.from_port < 0 AND r.to_port < 0)
                     OR (i.dstport >= r.from_port AND i.dstport <= CASE WHEN r.to_port < 0 THEN r.from_port ELSE r.to_port END))))
                AND ((r.cidr_v4_first IS NOT NULL AND i.src_v4 BETWEEN r.cidr_v4_first AND r.cidr_v4_last)
                     OR (r.cidr_is_v6 AND strpos(i.srcaddr, ':') > 0 AND (r.cidr_prefix_length = 0 OR (r.cidr_prefix_length = 128 AND lower(i.srcaddr) = r.cidr_v6_address)))
                     OR (r.cidr_prefix_length IS NULL AND r.referenced_group_id IS NOT NULL AND EXISTS (
                           SELECT 1 FROM eni_addresses a2
                           JOIN eni_groups g2 ON g2.eni = a2.eni AND g2.group_id = r.referenced_group_id AND g2.valid_from <= i.ts AND i.ts < g2.valid_to
                           WHERE a2.ip = i.srcaddr AND a2.valid_from <= i.ts AND i.ts < a2.valid_to))
                     OR (r.cidr_prefix_length IS NULL AND r.referenced_group_id IS NOT NULL AND EXISTS (
                           SELECT 1 FROM eni_prefixes p2
                           JOIN eni_groups g3 ON g3.eni = p2.eni AND g3.group_id = r.referenced_group_id AND g3.valid_from <= i.ts AND i.ts < g3.valid_to
                           WHERE i.src_v4 BETWEEN p2.prefix_v4_first AND p2.prefix_v4_last AND p2.valid_from <= i.ts AND i.ts < p2.valid_to)))
            ),
            rule_hits AS (
              SELECT rule_id,
                     SUM(CASE WHEN is_scanner THEN 0 ELSE 1 END) AS hits,
                     SUM(CASE WHEN is_scanner THEN 1 ELSE 0 END) AS scanner_hits,
                     COUNT(DISTINCT CASE WHEN is_scanner THEN NULL ELSE srcaddr END) AS distinct_sources,
                     MIN(CASE WHEN is_scanner THEN NULL ELSE start END) AS first_used,
                     MAX(CASE WHEN is_scanner THEN NULL ELSE start END) AS last_used
              FROM hits
              GROUP BY rule_id
            )
            SELECT ri.rule_id, ri.group_id, ri.protocol_name AS protocol,
                   CASE WHEN ri.protocol = -1 THEN NULL ELSE ri.from_port END AS from_port,
                   CASE WHEN ri.protocol = -1 THEN NULL ELSE ri.to_port END AS to_port,
                   ri.cidr, ri.referenced_group_id,
                   CASE WHEN ri.removed_at IS NOT NULL{revokedBefore} THEN '{RuleUsageStatus.Revoked.ToWireName()}' WHEN COALESCE(u.hits, 0) > 0 THEN '{RuleUsageStatus.Used.ToWireName()}' ELSE '{RuleUsageStatus.Unused.ToWireName()}' END AS status,
                   COALESCE(u.hits, 0) AS hits,
                   COALESCE(u.scanner_hits, 0) AS scanner_hits,
                   COALESCE(u.distinct_sources, 0) AS distinct_sources,
                   {d.TimestampFromEpochSeconds("u.first_used")} AS first_used,
                   {d.TimestampFromEpochSeconds("u.last_used")} AS last_used
            FROM rule_inventory ri
            JOIN security_groups sg ON sg.group_id = ri.group_id AND sg.ever_on_interface
            LEFT JOIN rule_hits u ON u.rule_id = ri.rule_id
            WHERE NOT ri.is_egress
            ORDER BY ri.group_id, ri.rule_id
            """;
    }
}
