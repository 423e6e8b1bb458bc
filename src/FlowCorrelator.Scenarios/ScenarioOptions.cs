using System.Collections.Immutable;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Scenarios;

/// <summary>How the scenario's flow logs are written.</summary>
public enum ScenarioFormat
{
    /// <summary>The default 14-field format.</summary>
    V2,

    /// <summary>A custom format with version 3–5 fields (flow-direction, pkt-*, vpc-id, …) in a non-default order.</summary>
    V5,

    /// <summary>The V5 fields plus some version 8–11 fields, interleaved.</summary>
    V11,

    /// <summary>The V5 fields as Parquet (underscore column names, typed columns, nulls for missing values).</summary>
    Parquet,
}

/// <summary>
/// What to generate. Same options → same bytes. Validated by <see cref="ScenarioGenerator.Write"/>.
/// </summary>
public sealed record ScenarioOptions
{
    /// <summary>Defaults: seed 1, 20 000 flow lines, one day, v5, three fleets, start 2026-03-02, Name=payment on tcp/22.</summary>
    public static ScenarioOptions Default { get; } = new();

    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Flow-log lines to write (headers excluded; NODATA/SKIPDATA rows included).</summary>
    public long FlowLines { get; init; } = 20_000;

    /// <summary>Days of flow logs (the CloudTrail setup starts a few hours before).</summary>
    public int Days { get; init; } = 1;

    /// <summary>Flow-log format.</summary>
    public ScenarioFormat Format { get; init; } = ScenarioFormat.V5;

    /// <summary>Tagged fleets (3 to 8): payment, web, batch, then cache, queue, search, auth, ledger.</summary>
    public int Fleets { get; init; } = 3;

    /// <summary>Start of the flow-log window (UTC, whole minutes).</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Question 1 tag key.</summary>
    public string AccessTagKey { get; init; } = "Name";

    /// <summary>Question 1 tag value.</summary>
    public string AccessTagValue { get; init; } = "payment";

    /// <summary>Question 1 destination port.</summary>
    public int AccessPort { get; init; } = 22;

    /// <summary>Question 1 IANA protocol (6 = tcp).</summary>
    public int AccessProtocol { get; init; } = 6;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (FlowLines < 0)
        {
            throw new ArgumentException("FlowLines must be 0 or more.", nameof(FlowLines));
        }

        if (Days is < 1 or > 366)
        {
            throw new ArgumentException("Days must be between 1 and 366.", nameof(Days));
        }

        if (Fleets is < 3 or > 8)
        {
            throw new ArgumentException("Fleets must be between 3 and 8.", nameof(Fleets));
        }

        if (Start.Offset != TimeSpan.Zero || Start.Second != 0 || Start.Millisecond != 0)
        {
            throw new ArgumentException("Start must be a UTC time on a whole minute.", nameof(Start));
        }

        if (AccessPort is < 0 or > 65535 || AccessProtocol is < 0 or > 255)
        {
            throw new ArgumentException("AccessPort must be 0–65535 and AccessProtocol 0–255.", nameof(AccessPort));
        }

        if (string.IsNullOrEmpty(AccessTagKey) || AccessTagValue is null)
        {
            throw new ArgumentException("AccessTagKey must not be empty.", nameof(AccessTagKey));
        }
    }
}

/// <summary>What <see cref="ScenarioGenerator.Write"/> wrote.</summary>
public sealed record ScenarioSummary
{
    /// <summary>Every file written, relative to the output folder, '/'-separated, sorted.</summary>
    public required ImmutableArray<string> Files { get; init; }

    /// <summary>Flow-log lines written (headers excluded).</summary>
    public long FlowLines { get; init; }

    /// <summary>Of those, rows with log-status OK.</summary>
    public long OkRecords { get; init; }

    /// <summary>Distinct CloudTrail events (a duplicated delivery counts once).</summary>
    public int CloudTrailEvents { get; init; }

    /// <summary>The expected answers (also written to <c>expected.json</c>), in canonical order.</summary>
    public required InvestigationResult Expected { get; init; }

    /// <summary>Ids and times of the traps, for tests and the demo's README.</summary>
    public required ScenarioLandmarks Landmarks { get; init; }

    /// <summary>
    /// How the engine must attribute the OK records to instances (<c>diagnostics.attribution</c>, docs/semantics.md
    /// "The flow record as evidence"), over every OK record (no window), with <see cref="InvestigationResult.Query"/>'s
    /// tag fields. Computed from the world and the evidence the trail carries, never from the files.
    /// </summary>
    public AttributionCounts Attribution { get; init; }
}

/// <summary>Where the scenario's traps are (ids and event ids), so tests and documentation can point at them.</summary>
public sealed record ScenarioLandmarks
{
    /// <summary>Payment instances of the first launch (P1, P2, P3), the replacement P4 tagged later by CreateTags.</summary>
    public required ImmutableArray<string> PaymentInstances { get; init; }

    /// <summary>The replacement payment instance, launched without the Name tag.</summary>
    public required string LateTaggedInstance { get; init; }

    /// <summary>The CreateTags event that tags <see cref="LateTaggedInstance"/>.</summary>
    public required string LateTagEventId { get; init; }

    /// <summary>The interface made by CreateNetworkInterface: flows before its first attachment, attached to P2, survives P2, attached to P4, detached.</summary>
    public required string FloatingEni { get; init; }

    /// <summary>Its attachment to P2.</summary>
    public required DateTimeOffset FloatingEniFirstAttach { get; init; }

    /// <summary>The web instance that reuses P1's released primary address.</summary>
    public required string ReusingInstance { get; init; }

    /// <summary>The reused address.</summary>
    public required string ReusedIp { get; init; }

    /// <summary>Batch instances (launched with a volume tagged Name=payment, tagged Name=batch later).</summary>
    public required ImmutableArray<string> BatchInstances { get; init; }

    /// <summary>The AuthorizeSecurityGroupIngress that opens tcp/22 to 0.0.0.0/0 (delivered twice).</summary>
    public required string OpenToWorldEventId { get; init; }

    /// <summary>Security groups by role: web, payment, db, batch, mgmt, unused, ghost, debug.</summary>
    public required ImmutableSortedDictionary<string, string> Groups { get; init; }

    /// <summary>Event ids of the failed and dry-run calls.</summary>
    public required ImmutableArray<string> FailedEventIds { get; init; }

    /// <summary>Event ids delivered in a later day's CloudTrail file.</summary>
    public required ImmutableArray<string> LateDeliveredEventIds { get; init; }

    /// <summary>The traps of events that share a second.</summary>
    public required SameSecondLandmarks SameSecond { get; init; }

    /// <summary>The rules changed by group name in the default VPC.</summary>
    public required GroupNamedLandmarks ByGroupName { get; init; }

    /// <summary>The launch-template, Auto Scaling, EC2 Fleet, Spot eviction and pod-address traps.</summary>
    public required LaunchPathLandmarks LaunchPaths { get; init; }

    /// <summary>The exposure traps (question 6).</summary>
    public ExposureLandmarks? Exposure { get; init; }

    /// <summary>The flow-record-as-evidence cases (docs/semantics.md, "The flow record as evidence").</summary>
    public FlowEvidenceLandmarks? FlowEvidence { get; init; }
}

/// <summary>
/// Instances whose interface or tags no CloudTrail event of the trail states, while the flow records carry them: their
/// calls happened in the world and are left out of the written trail.
/// </summary>
public sealed record FlowEvidenceLandmarks
{
    /// <summary>A Karpenter node whose RunInstances (by ec2fleet.amazonaws.com) is not in the trail; its CreateFleet is.</summary>
    public required string UnlinkedNode { get; init; }

    /// <summary>Its primary interface, which no evidence links to it.</summary>
    public required string UnlinkedNodeEni { get; init; }

    /// <summary>The node's CreateFleet event.</summary>
    public required string UnlinkedNodeFleetEventId { get; init; }

    /// <summary>An instance launched before the trail (Name=payment in the world), unknown to the evidence.</summary>
    public required string LegacyInstance { get; init; }

    /// <summary>Its interface.</summary>
    public required string LegacyEni { get; init; }

    /// <summary>A web server renamed Name=payment by a call not in the trail (the index keeps Name=web).</summary>
    public required string RenamedInstance { get; init; }

    /// <summary>When it was renamed.</summary>
    public required DateTimeOffset RenamedAt { get; init; }

    /// <summary>The floating interface, which carries a record starting one second before its attachment to P4.</summary>
    public string AttachMomentEni { get; init; } = string.Empty;

    /// <summary>P4: the instance that record's <c>instance-id</c> names.</summary>
    public string AttachMomentInstance { get; init; } = string.Empty;

    /// <summary>That record's start.</summary>
    public DateTimeOffset AttachMomentStart { get; init; }
}

/// <summary>
/// The real launch paths of the payment fleet: an Auto Scaling group of Spot instances over a launch template whose
/// Name tag lives only in the template, a Spot eviction (BidEvictedEvent) followed by a replacement from template version
/// 2 that reuses the evicted instance's address and whose RunInstances response states no group, and a Karpenter node
/// (CreateFleet) whose tags live only in the CreateFleet request, with a delegated prefix of pod addresses.
/// </summary>
public sealed record LaunchPathLandmarks
{
    /// <summary>The Auto Scaling group.</summary>
    public required string AutoScalingGroup { get; init; }

    /// <summary>Its launch template.</summary>
    public required string LaunchTemplateId { get; init; }

    /// <summary>Instances the group launched (their RunInstances carries no Name tag).</summary>
    public required ImmutableArray<string> GroupInstances { get; init; }

    /// <summary>The instance evicted by BidEvictedEvent (P2).</summary>
    public required string EvictedInstance { get; init; }

    /// <summary>The BidEvictedEvent events: P2, the Karpenter node, and the node the trail knows only from CreateFleet.</summary>
    public required ImmutableArray<string> EvictionEventIds { get; init; }

    /// <summary>The replacement from template version 2 (groups only in the template), reusing <see cref="ReusedIp"/>.</summary>
    public required string Replacement { get; init; }

    /// <summary>The evicted instance's primary address, reused by <see cref="Replacement"/>.</summary>
    public required string ReusedIp { get; init; }

    /// <summary>The CreateLaunchTemplateVersion that changes the groups mid-window.</summary>
    public required string TemplateVersionEventId { get; init; }

    /// <summary>The Karpenter node (CreateFleet), its interface and its delegated prefix of pod addresses.</summary>
    public required string FleetNode { get; init; }

    /// <summary>The node's interface.</summary>
    public required string FleetNodeEni { get; init; }

    /// <summary>The node's pod prefix (CIDR).</summary>
    public required string PodPrefix { get; init; }
}

/// <summary>
/// The exposure traps: risky ingress rules on one instance (<see cref="Instance"/>, Name=reports), whose in-force time
/// and competing rules decide what question 6 says they let in.
/// </summary>
public sealed record ExposureLandmarks
{
    /// <summary>The instance every trap's records reach.</summary>
    public required string Instance { get; init; }

    /// <summary>Its first group, holding the shadowing, shadowed and flipped rules.</summary>
    public required string Group { get; init; }

    /// <summary>The older narrower rule (tcp/8888 from the VPC).</summary>
    public required string ShadowingRuleId { get; init; }

    /// <summary>The world rule on tcp/8888 added later: every record it matches the older rule admits too.</summary>
    public required string ShadowedRuleId { get; init; }

    /// <summary>The rule modified from the VPC to the world and back (tcp/8889).</summary>
    public required string FlippedRuleId { get; init; }

    /// <summary>The ModifySecurityGroupRules that opened it to the world.</summary>
    public required string FlippedToWorldEventId { get; init; }

    /// <summary>The group attached to the instance only after its world rule was added.</summary>
    public required string LateGroup { get; init; }

    /// <summary>That world rule (tcp/9443).</summary>
    public required string LateRuleId { get; init; }

    /// <summary>When the late group was attached.</summary>
    public required DateTimeOffset LateAttached { get; init; }

    /// <summary>The world rule on tcp/9200 that only known scanners reach.</summary>
    public required string ScannerOnlyRuleId { get; init; }
}

/// <summary>
/// Rules changed by group name: AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress that name the group only by
/// <see cref="Name"/> (EC2 accepts that for the default VPC alone), on a group created without <c>vpcId</c>, while a
/// group of the same name lives in the story's VPC. Neither group is ever attached.
/// </summary>
public sealed record GroupNamedLandmarks
{
    /// <summary>The name both groups have, and the only thing the calls name.</summary>
    public required string Name { get; init; }

    /// <summary>The group created without <c>vpcId</c>: the one the calls changed.</summary>
    public required string DefaultVpcGroupId { get; init; }

    /// <summary>The group of the same name in the story's VPC.</summary>
    public required string NamesakeGroupId { get; init; }

    /// <summary>Its one ingress rule, authorized by group id.</summary>
    public required string NamesakeRuleId { get; init; }

    /// <summary>The AuthorizeSecurityGroupIngress by name (answered without a rule set).</summary>
    public required string AuthorizeEventId { get; init; }

    /// <summary>The rules it added, <c>&lt;eventID&gt;#0</c> (tcp/22) and <c>#1</c> (tcp/8080), both from the world.</summary>
    public required ImmutableArray<string> AuthorizedRuleIds { get; init; }

    /// <summary>The RevokeSecurityGroupIngress by name of the tcp/22 permission.</summary>
    public required string RevokeEventId { get; init; }
}

/// <summary>
/// The same-second traps: seconds holding several events that docs/semantics.md's order within a second decides, each
/// with flow records starting on that second and on the second before. All seconds are whole UTC seconds.
/// </summary>
public sealed record SameSecondLandmarks
{
    /// <summary>Canary instances C1, C2, C3 (launched after the story; the random traffic never picks them).</summary>
    public required ImmutableArray<string> CanaryInstances { get; init; }

    /// <summary>The group added to C1 in <see cref="AuthorizedAndAttached"/>, holding the rules of the rule traps.</summary>
    public required string CanaryGroup { get; init; }

    /// <summary>RunInstances of C1 and C2, and CreateTags Name=payment on C1.</summary>
    public required DateTimeOffset LaunchedAndTagged { get; init; }

    /// <summary>CreateTags Name=payment on C2, and ModifyInstanceAttribute replacing C2's groups.</summary>
    public required DateTimeOffset TaggedAndRegrouped { get; init; }

    /// <summary>AuthorizeSecurityGroupIngress of <see cref="FirstRuleId"/>, and ModifyNetworkInterfaceAttribute adding <see cref="CanaryGroup"/> to C1.</summary>
    public required DateTimeOffset AuthorizedAndAttached { get; init; }

    /// <summary>AuthorizeSecurityGroupIngress of <see cref="SecondRuleId"/> (same permission), and the revoke of <see cref="FirstRuleId"/> by id.</summary>
    public required DateTimeOffset ReplacedRule { get; init; }

    /// <summary>AuthorizeSecurityGroupIngress of <see cref="FlickeredRuleId"/>, and a revoke of the same permission.</summary>
    public required DateTimeOffset OpenedAndClosed { get; init; }

    /// <summary>ModifySecurityGroupRules of <see cref="SecondRuleId"/>, and its revoke by id.</summary>
    public required DateTimeOffset ModifiedAndRevoked { get; init; }

    /// <summary>TerminateInstances of C2, and RunInstances of C3 with C2's address (<see cref="ReusedIp"/>).</summary>
    public required DateTimeOffset AddressReused { get; init; }

    /// <summary>The canary SSH rule authorized in <see cref="AuthorizedAndAttached"/>.</summary>
    public required string FirstRuleId { get; init; }

    /// <summary>The rule that replaces it in <see cref="ReplacedRule"/>.</summary>
    public required string SecondRuleId { get; init; }

    /// <summary>The rule authorized and revoked in <see cref="OpenedAndClosed"/>.</summary>
    public required string FlickeredRuleId { get; init; }

    /// <summary>C2's primary address, C3's from <see cref="AddressReused"/>.</summary>
    public required string ReusedIp { get; init; }

    /// <summary>
    /// Terraform re-creates the SSH rule of <see cref="CanaryGroup"/> (authorized alone a few minutes before): a revoke
    /// by permission and an authorize of the same permission in one second; the revoke ran first.
    /// </summary>
    public required RuleReplacement ReplacedByPermission { get; init; }

    /// <summary>The same replacement of the never-attached group's ingress rule (question 4).</summary>
    public required RuleReplacement UnattachedRuleReplaced { get; init; }

    /// <summary>The same replacement of an egress rule of <see cref="CanaryGroup"/>.</summary>
    public required RuleReplacement EgressRuleReplaced { get; init; }
}

/// <summary>
/// A rule replaced in one second by RevokeSecurityGroupIngress/Egress naming its permission and an Authorize of the
/// same permission, the revoke first (EC2 refuses a duplicate permission): <paramref name="OldRuleId"/> was live
/// before <paramref name="Time"/> and is removed, <paramref name="NewRuleId"/> is live from it.
/// </summary>
public sealed record RuleReplacement(DateTimeOffset Time, string GroupId, string OldRuleId, string NewRuleId);
