using System.Collections.Immutable;

namespace FlowCorrelator.Export;

/// <summary>The logical type of an exported column (mapped to Parquet and to each SQL dialect's DDL).</summary>
public enum ExportColumnType
{
    /// <summary>UTF-8 text.</summary>
    String,

    /// <summary>32-bit signed integer.</summary>
    Int32,

    /// <summary>64-bit signed integer.</summary>
    Int64,

    /// <summary>Boolean.</summary>
    Boolean,

    /// <summary>Timestamp without zone, millisecond precision, always UTC by convention.</summary>
    Timestamp,
}

/// <summary>One column of an exported table.</summary>
/// <param name="Name">Column name (lower snake case, stable).</param>
/// <param name="Type">Logical type.</param>
/// <param name="Nullable">Whether the column may hold nulls.</param>
public sealed record ExportColumn(string Name, ExportColumnType Type, bool Nullable = false);

/// <summary>One exported relation: one Parquet file in a folder of the same name.</summary>
/// <param name="Name">Table (and folder) name.</param>
/// <param name="Columns">Columns in file order.</param>
public sealed record ExportTable(string Name, ImmutableArray<ExportColumn> Columns)
{
    /// <summary>The column's position.</summary>
    /// <exception cref="ArgumentException">No such column.</exception>
    public int IndexOf(string column)
    {
        for (int i = 0; i < Columns.Length; i++)
        {
            if (string.Equals(Columns[i].Name, column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ArgumentException($"Table {Name} has no column {column}.", nameof(column));
    }
}

/// <summary>
/// The exported index's tables and columns: the single definition used by the Parquet writer, the DDL of every SQL
/// dialect and docs/export-schema.md. Interval tables hold one row per half-open validity <c>[valid_from, valid_to)</c>
/// in UTC; an interval open at the end has <see cref="OpenEnd"/> as <c>valid_to</c>, and state known from a baseline
/// snapshot (before the trail) starts at <see cref="OpenStart"/>.
/// </summary>
public static class ExportSchema
{
    /// <summary><c>valid_to</c> of intervals still open at the end of the evidence: 9999-12-31T00:00:00Z.</summary>
    public static readonly DateTime OpenEnd = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    /// <summary><c>valid_from</c> of state known from a baseline snapshot (before the trail): 1970-01-01T00:00:00Z.</summary>
    public static readonly DateTime OpenStart = DateTime.UnixEpoch;

    private static ExportColumn S(string name, bool nullable = false) => new(name, ExportColumnType.String, nullable);

    private static ExportColumn I(string name, bool nullable = false) => new(name, ExportColumnType.Int32, nullable);

    private static ExportColumn L(string name, bool nullable = false) => new(name, ExportColumnType.Int64, nullable);

    private static ExportColumn B(string name) => new(name, ExportColumnType.Boolean);

    private static ExportColumn T(string name, bool nullable = false) => new(name, ExportColumnType.Timestamp, nullable);

    private static ExportTable Table(string name, params ExportColumn[] columns) => new(name, [.. columns]);

    /// <summary>Interval during which an interface exists, with its security-group set (sorted ids joined by commas; empty for none).</summary>
    public static ExportTable EniGroupSets { get; } = Table("eni_group_sets", S("eni"), S("group_ids"), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an existing interface is attached to an instance, and whether that instance runs.</summary>
    public static ExportTable EniAttachments { get; } = Table("eni_attachments", S("eni"), S("instance"), B("instance_running"), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an existing interface holds a private address.</summary>
    public static ExportTable EniAddresses { get; } = Table("eni_addresses", S("eni"), S("ip"), L("ip_v4_num", nullable: true), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an existing interface holds a delegated prefix (every address inside is its own).</summary>
    public static ExportTable EniPrefixes { get; } = Table(
        "eni_prefixes", S("eni"), S("prefix"), L("prefix_v4_first", nullable: true), L("prefix_v4_last", nullable: true), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an instance carries a tag, as the evidence states the instance's tags over time (attached or not).</summary>
    public static ExportTable InstanceTags { get; } = Table("instance_tags", S("instance"), S("key"), S("value"), T("valid_from"), T("valid_to"));

    /// <summary>
    /// Interval of one running state of an instance, attached or not (for records attributed by their own
    /// <c>instance-id</c>): <c>running_known</c> false when the evidence never stated it (an instance met only in CreateTags).
    /// </summary>
    public static ExportTable InstanceStates { get; } = Table("instance_states", S("instance"), B("running"), B("running_known"), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an existing interface holds one security group.</summary>
    public static ExportTable EniGroups { get; } = Table("eni_groups", S("eni"), S("group_id"), T("valid_from"), T("valid_to"));

    /// <summary>Interval during which an ingress rule has one definition.</summary>
    public static ExportTable GroupRules { get; } = Table(
        "group_rules",
        S("rule_id"), S("group_id"), S("direction"), I("protocol"), I("from_port"), I("to_port"),
        S("cidr", nullable: true), L("cidr_v4_first", nullable: true), L("cidr_v4_last", nullable: true), B("cidr_is_v6"),
        I("cidr_prefix_length", nullable: true), S("cidr_v6_address", nullable: true),
        S("referenced_group_id", nullable: true), S("prefix_list_id", nullable: true), T("valid_from"), T("valid_to"));

    /// <summary>Every security group the evidence mentions.</summary>
    public static ExportTable Groups { get; } = Table(
        "security_groups", S("group_id"), S("group_name", nullable: true), B("created_in_evidence"), B("attach_evidence"), B("ever_on_interface"), T("deleted_at", nullable: true));

    /// <summary>Every rule any group ever had, with its last definition and when it was removed.</summary>
    public static ExportTable RuleInventory { get; } = Table(
        "rule_inventory",
        S("rule_id"), S("group_id"), B("is_egress"), I("protocol"), S("protocol_name"), I("from_port", nullable: true), I("to_port", nullable: true),
        S("cidr", nullable: true), S("referenced_group_id", nullable: true), S("prefix_list_id", nullable: true), T("added_at"), T("removed_at", nullable: true));

    /// <summary>Question 2 as CloudTrail answers it, in event order.</summary>
    public static ExportTable RuleChanges { get; } = Table(
        "rule_changes",
        L("seq"), T("event_time"), S("event_id"), S("event_name"), S("change"), S("group_id", nullable: true), S("rule_id", nullable: true), S("direction"), S("protocol"),
        I("from_port", nullable: true), I("to_port", nullable: true), S("cidr", nullable: true), S("referenced_group_id", nullable: true),
        S("prefix_list_id", nullable: true), S("actor", nullable: true), S("source_ip", nullable: true), B("opens_to_world"), S("risks"),
        S("group_name", nullable: true), B("group_unresolved"));

    /// <summary>Question 3 as CloudTrail answers it, in event order.</summary>
    public static ExportTable GroupAttachments { get; } = Table(
        "group_attachments",
        L("seq"), T("event_time"), S("event_id"), S("event_name"), S("interface_id", nullable: true), S("instance_id", nullable: true),
        S("groups_before"), S("groups_after"), S("added"), S("removed"), S("actor", nullable: true), B("groups_before_unknown"));

    /// <summary>The scanner list used for question 5 (IPv6 ranges carry no numeric bounds).</summary>
    public static ExportTable Scanners { get; } = Table(
        "scanners", S("cidr"), I("ip_version"), L("first_v4", nullable: true), L("last_v4", nullable: true), S("list_version"));

    /// <summary>Every table, in export order.</summary>
    public static ImmutableArray<ExportTable> All { get; } =
        [EniGroupSets, EniAttachments, EniAddresses, EniPrefixes, InstanceTags, InstanceStates, EniGroups, GroupRules, Groups, RuleInventory, RuleChanges, GroupAttachments, Scanners];
}
