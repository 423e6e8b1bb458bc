-- FlowCorrelator: the five questions as SQL (dialect athena). See docs/athena.md and docs/export-schema.md.

CREATE EXTERNAL TABLE IF NOT EXISTS flow_logs (
  `version` int,
  `account_id` string,
  `interface_id` string,
  `srcaddr` string,
  `dstaddr` string,
  `srcport` int,
  `dstport` int,
  `protocol` int,
  `packets` bigint,
  `bytes` bigint,
  `start` bigint,
  `end` bigint,
  `action` string,
  `log_status` string
)
PARTITIONED BY (`aws_account` string, `aws_region` string, `log_date` string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION 's3://example-flow-logs/vpc/AWSLogs/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.aws_account.type' = 'enum',
  'projection.aws_account.values' = '111122223333',
  'projection.aws_region.type' = 'enum',
  'projection.aws_region.values' = 'us-east-1,eu-west-1',
  'projection.log_date.type' = 'date',
  'projection.log_date.format' = 'yyyy/MM/dd',
  'projection.log_date.range' = '2020/01/01,NOW',
  'projection.log_date.interval' = '1',
  'projection.log_date.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://example-flow-logs/vpc/AWSLogs/${aws_account}/vpcflowlogs/${aws_region}/${log_date}'
);

CREATE EXTERNAL TABLE IF NOT EXISTS eni_group_sets (
  `eni` string,
  `group_ids` string,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/eni_group_sets/';

CREATE EXTERNAL TABLE IF NOT EXISTS eni_attachments (
  `eni` string,
  `instance` string,
  `instance_running` boolean,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/eni_attachments/';

CREATE EXTERNAL TABLE IF NOT EXISTS eni_addresses (
  `eni` string,
  `ip` string,
  `ip_v4_num` bigint,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/eni_addresses/';

CREATE EXTERNAL TABLE IF NOT EXISTS eni_prefixes (
  `eni` string,
  `prefix` string,
  `prefix_v4_first` bigint,
  `prefix_v4_last` bigint,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/eni_prefixes/';

CREATE EXTERNAL TABLE IF NOT EXISTS instance_tags (
  `instance` string,
  `key` string,
  `value` string,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/instance_tags/';

CREATE EXTERNAL TABLE IF NOT EXISTS instance_states (
  `instance` string,
  `running` boolean,
  `running_known` boolean,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/instance_states/';

CREATE EXTERNAL TABLE IF NOT EXISTS eni_groups (
  `eni` string,
  `group_id` string,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/eni_groups/';

CREATE EXTERNAL TABLE IF NOT EXISTS group_rules (
  `rule_id` string,
  `group_id` string,
  `direction` string,
  `protocol` int,
  `from_port` int,
  `to_port` int,
  `cidr` string,
  `cidr_v4_first` bigint,
  `cidr_v4_last` bigint,
  `cidr_is_v6` boolean,
  `cidr_prefix_length` int,
  `cidr_v6_address` string,
  `referenced_group_id` string,
  `prefix_list_id` string,
  `valid_from` timestamp,
  `valid_to` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/group_rules/';

CREATE EXTERNAL TABLE IF NOT EXISTS security_groups (
  `group_id` string,
  `group_name` string,
  `created_in_evidence` boolean,
  `attach_evidence` boolean,
  `ever_on_interface` boolean,
  `deleted_at` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/security_groups/';

CREATE EXTERNAL TABLE IF NOT EXISTS rule_inventory (
  `rule_id` string,
  `group_id` string,
  `is_egress` boolean,
  `protocol` int,
  `protocol_name` string,
  `from_port` int,
  `to_port` int,
  `cidr` string,
  `referenced_group_id` string,
  `prefix_list_id` string,
  `added_at` timestamp,
  `removed_at` timestamp
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/rule_inventory/';

CREATE EXTERNAL TABLE IF NOT EXISTS rule_changes (
  `seq` bigint,
  `event_time` timestamp,
  `event_id` string,
  `event_name` string,
  `change` string,
  `group_id` string,
  `rule_id` string,
  `direction` string,
  `protocol` string,
  `from_port` int,
  `to_port` int,
  `cidr` string,
  `referenced_group_id` string,
  `prefix_list_id` string,
  `actor` string,
  `source_ip` string,
  `opens_to_world` boolean,
  `risks` string,
  `group_name` string,
  `group_unresolved` boolean
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/rule_changes/';

CREATE EXTERNAL TABLE IF NOT EXISTS group_attachments (
  `seq` bigint,
  `event_time` timestamp,
  `event_id` string,
  `event_name` string,
  `interface_id` string,
  `instance_id` string,
  `groups_before` string,
  `groups_after` string,
  `added` string,
  `removed` string,
  `actor` string,
  `groups_before_unknown` boolean
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/group_attachments/';

CREATE EXTERNAL TABLE IF NOT EXISTS scanners (
  `cidr` string,
  `ip_version` int,
  `first_v4` bigint,
  `last_v4` bigint,
  `list_version` string
)
STORED AS PARQUET
LOCATION 's3://example-analysis/flowcorrelator-index/scanners/';

-- accessAttempts
WITH flows AS (
  SELECT f.interface_id AS eni, f.srcaddr, f.dstaddr, f.dstport, f.protocol, f.packets, f.bytes, f.start, f.action,
         CAST(NULL AS varchar) AS flow_direction,
         CAST(NULL AS varchar) AS instance_id,
         CAST(NULL AS varchar) AS record_tag,
         CAST(from_unixtime(f.start, 'UTC') AS timestamp) AS ts,
         CASE WHEN strpos(f.srcaddr, ':') = 0 THEN TRY_CAST(split_part(f.srcaddr, '.', 1) AS bigint) * 16777216 + TRY_CAST(split_part(f.srcaddr, '.', 2) AS bigint) * 65536 + TRY_CAST(split_part(f.srcaddr, '.', 3) AS bigint) * 256 + TRY_CAST(split_part(f.srcaddr, '.', 4) AS bigint) END AS src_v4,
         CASE WHEN strpos(f.dstaddr, ':') = 0 THEN TRY_CAST(split_part(f.dstaddr, '.', 1) AS bigint) * 16777216 + TRY_CAST(split_part(f.dstaddr, '.', 2) AS bigint) * 65536 + TRY_CAST(split_part(f.dstaddr, '.', 3) AS bigint) * 256 + TRY_CAST(split_part(f.dstaddr, '.', 4) AS bigint) END AS dst_v4
  FROM flow_logs f
  WHERE f.log_status = 'OK'
    AND f.start >= 1772323200
    AND f.start < 1772928000
    AND f.log_date >= '2026/03/01'
    AND f.log_date <= '2026/03/09'
),
inbound AS (
  SELECT fl.*, s.group_ids,
         CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
  FROM flows fl
  JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
  WHERE (EXISTS (SELECT 1 FROM eni_addresses a WHERE a.eni = fl.eni AND a.ip = fl.dstaddr AND a.valid_from <= fl.ts AND fl.ts < a.valid_to) OR EXISTS (SELECT 1 FROM eni_prefixes p WHERE p.eni = fl.eni AND fl.dst_v4 BETWEEN p.prefix_v4_first AND p.prefix_v4_last AND p.valid_from <= fl.ts AND fl.ts < p.valid_to))
),
unlinked AS (
  SELECT fl.*, COALESCE(s.group_ids, '') AS group_ids,
         CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
  FROM flows fl
  LEFT JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
  WHERE fl.instance_id IS NOT NULL AND fl.instance_id <> '-'
    AND NOT EXISTS (SELECT 1 FROM eni_attachments a WHERE a.eni = fl.eni AND a.valid_from <= fl.ts AND fl.ts < a.valid_to)
    AND CASE WHEN s.eni IS NULL THEN COALESCE(fl.flow_direction, '-') = 'ingress' ELSE (EXISTS (SELECT 1 FROM eni_addresses a WHERE a.eni = fl.eni AND a.ip = fl.dstaddr AND a.valid_from <= fl.ts AND fl.ts < a.valid_to) OR EXISTS (SELECT 1 FROM eni_prefixes p WHERE p.eni = fl.eni AND fl.dst_v4 BETWEEN p.prefix_v4_first AND p.prefix_v4_last AND p.valid_from <= fl.ts AND fl.ts < p.valid_to)) END
),
attributed AS (
  SELECT i.*, a.instance, 'index' AS instance_from,
         CASE WHEN EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = a.instance AND t.valid_from <= i.ts AND i.ts < t.valid_to)
              THEN 'index' ELSE 'flowRecord' END AS tag_from
  FROM inbound i
  JOIN eni_attachments a ON a.eni = i.eni AND a.valid_from <= i.ts AND i.ts < a.valid_to AND a.instance_running
  WHERE i.dstport = 22 AND i.protocol = 6
  UNION ALL
  SELECT u.*, u.instance_id AS instance, 'flowRecord' AS instance_from,
         CASE WHEN EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = u.instance_id AND t.valid_from <= u.ts AND u.ts < t.valid_to)
              THEN 'index' ELSE 'flowRecord' END AS tag_from
  FROM unlinked u
  WHERE u.dstport = 22 AND u.protocol = 6
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
WHERE (x.tag_from = 'index' AND EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance = x.instance AND t.key = 'Name' AND t.value = 'payment' AND t.valid_from <= x.ts AND x.ts < t.valid_to))
   OR (x.tag_from = 'flowRecord' AND x.record_tag = 'payment')
GROUP BY x.instance, x.eni, x.group_ids, x.srcaddr, x.is_scanner, x.instance_from, x.tag_from
ORDER BY instance_id, interface_id, security_groups, src_addr, instance_from, tag_from;

-- ruleChanges
SELECT event_time, event_id, event_name, change, group_id, rule_id, direction, protocol, from_port, to_port, cidr,
       referenced_group_id, prefix_list_id, actor, source_ip, opens_to_world, risks, group_name, group_unresolved
FROM rule_changes
WHERE event_time >= TIMESTAMP '2026-03-01 00:00:00' AND event_time < TIMESTAMP '2026-03-08 00:00:00'
ORDER BY seq;

-- groupAttachments
SELECT event_time, event_id, event_name, interface_id, instance_id, groups_before, groups_after, added, removed, actor, groups_before_unknown
FROM group_attachments
WHERE event_time >= TIMESTAMP '2026-03-01 00:00:00' AND event_time < TIMESTAMP '2026-03-08 00:00:00'
ORDER BY seq;

-- unusedGroups
SELECT sg.group_id, sg.group_name,
       CASE WHEN sg.created_in_evidence THEN 'never-attached' ELSE 'unknown' END AS status,
       array_join(array_sort(array_agg(ri.rule_id)), ',') AS ingress_rule_ids
FROM security_groups sg
JOIN rule_inventory ri ON ri.group_id = sg.group_id AND NOT ri.is_egress AND ri.removed_at IS NULL
WHERE NOT sg.attach_evidence
GROUP BY sg.group_id, sg.group_name, sg.created_in_evidence
ORDER BY sg.group_id;

-- ruleUsage
WITH flows AS (
  SELECT f.interface_id AS eni, f.srcaddr, f.dstaddr, f.dstport, f.protocol, f.packets, f.bytes, f.start, f.action,
         CAST(NULL AS varchar) AS flow_direction,
         CAST(NULL AS varchar) AS instance_id,
         CAST(NULL AS varchar) AS record_tag,
         CAST(from_unixtime(f.start, 'UTC') AS timestamp) AS ts,
         CASE WHEN strpos(f.srcaddr, ':') = 0 THEN TRY_CAST(split_part(f.srcaddr, '.', 1) AS bigint) * 16777216 + TRY_CAST(split_part(f.srcaddr, '.', 2) AS bigint) * 65536 + TRY_CAST(split_part(f.srcaddr, '.', 3) AS bigint) * 256 + TRY_CAST(split_part(f.srcaddr, '.', 4) AS bigint) END AS src_v4,
         CASE WHEN strpos(f.dstaddr, ':') = 0 THEN TRY_CAST(split_part(f.dstaddr, '.', 1) AS bigint) * 16777216 + TRY_CAST(split_part(f.dstaddr, '.', 2) AS bigint) * 65536 + TRY_CAST(split_part(f.dstaddr, '.', 3) AS bigint) * 256 + TRY_CAST(split_part(f.dstaddr, '.', 4) AS bigint) END AS dst_v4
  FROM flow_logs f
  WHERE f.log_status = 'OK'
    AND f.start >= 1772323200
    AND f.start < 1772928000
    AND f.log_date >= '2026/03/01'
    AND f.log_date <= '2026/03/09'
),
inbound AS (
  SELECT fl.*, s.group_ids,
         CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
  FROM flows fl
  JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
  WHERE (EXISTS (SELECT 1 FROM eni_addresses a WHERE a.eni = fl.eni AND a.ip = fl.dstaddr AND a.valid_from <= fl.ts AND fl.ts < a.valid_to) OR EXISTS (SELECT 1 FROM eni_prefixes p WHERE p.eni = fl.eni AND fl.dst_v4 BETWEEN p.prefix_v4_first AND p.prefix_v4_last AND p.valid_from <= fl.ts AND fl.ts < p.valid_to))
),
unlinked AS (
  SELECT fl.*, COALESCE(s.group_ids, '') AS group_ids,
         CASE WHEN EXISTS (SELECT 1 FROM scanners sc WHERE sc.ip_version = 4 AND fl.src_v4 BETWEEN sc.first_v4 AND sc.last_v4) THEN true ELSE false END AS is_scanner
  FROM flows fl
  LEFT JOIN eni_group_sets s ON s.eni = fl.eni AND s.valid_from <= fl.ts AND fl.ts < s.valid_to
  WHERE fl.instance_id IS NOT NULL AND fl.instance_id <> '-'
    AND NOT EXISTS (SELECT 1 FROM eni_attachments a WHERE a.eni = fl.eni AND a.valid_from <= fl.ts AND fl.ts < a.valid_to)
    AND CASE WHEN s.eni IS NULL THEN COALESCE(fl.flow_direction, '-') = 'ingress' ELSE (EXISTS (SELECT 1 FROM eni_addresses a WHERE a.eni = fl.eni AND a.ip = fl.dstaddr AND a.valid_from <= fl.ts AND fl.ts < a.valid_to) OR EXISTS (SELECT 1 FROM eni_prefixes p WHERE p.eni = fl.eni AND fl.dst_v4 BETWEEN p.prefix_v4_first AND p.prefix_v4_last AND p.valid_from <= fl.ts AND fl.ts < p.valid_to)) END
),
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
       CASE WHEN ri.removed_at IS NOT NULL AND ri.removed_at < TIMESTAMP '2026-03-08 00:00:00' THEN 'revoked' WHEN COALESCE(u.hits, 0) > 0 THEN 'used' ELSE 'unused' END AS status,
       COALESCE(u.hits, 0) AS hits,
       COALESCE(u.scanner_hits, 0) AS scanner_hits,
       COALESCE(u.distinct_sources, 0) AS distinct_sources,
       CAST(from_unixtime(u.first_used, 'UTC') AS timestamp) AS first_used,
       CAST(from_unixtime(u.last_used, 'UTC') AS timestamp) AS last_used
FROM rule_inventory ri
JOIN security_groups sg ON sg.group_id = ri.group_id AND sg.ever_on_interface
LEFT JOIN rule_hits u ON u.rule_id = ri.rule_id
WHERE NOT ri.is_egress
ORDER BY ri.group_id, ri.rule_id;

