using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios.Traffic;
using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Scenarios;

/// <summary>
/// A risky definition of an ingress rule, from the model's own events: its question-2 row and the time
/// [<see cref="From"/>, <see cref="To"/>) it stayed in force (docs/semantics.md, question 6).
/// </summary>
internal sealed record ExposureWindowModel(RuleChange Change, long From, long? To)
{
    public long? To { get; set; } = To;

    public bool Contains(long time) => time >= From && (To is not { } to || time < to);
}

/// <summary>
/// Question 6 from the model: the risky windows by replaying the model's successful events (a window opens with an
/// ingress rule's added or modified definition whose question-2 row has risks, and closes at the rule's next change or
/// its group's deletion), and the rows from the per-record evaluation <see cref="Accumulator"/> made with them.
/// </summary>
internal sealed class ExposureExpectations
{
    private ExposureExpectations(List<ExposureWindowModel> windows, int[]?[] byRuleIndex)
    {
        Windows = windows;
        ByRuleIndex = byRuleIndex;
    }

    /// <summary>Every risky window, in application order.</summary>
    public List<ExposureWindowModel> Windows { get; }

    /// <summary>Per rule index of the timeline: the positions of its windows (null: none).</summary>
    public int[]?[] ByRuleIndex { get; }

    public static ExposureExpectations Build(WorldModel world, Timeline timeline)
    {
        var state = new WorldState();
        var windows = new List<ExposureWindowModel>();
        var open = new Dictionary<string, ExposureWindowModel>(StringComparer.Ordinal);
        foreach (TrailEvent e in TrailEvent.InApplicationOrder(world.Events.Where(e => e.Succeeded && e.InTrail)))
        {
            foreach (Op op in e.Ops)
            {
                switch (op)
                {
                    case AddRuleOp a:
                        Close(a.Rule.RuleId, e.Time);
                        Open(Expectations.Change(e, RuleChangeKind.Added, a.Rule), e.Time);
                        break;
                    case ModifyRuleOp m:
                        Close(m.NewDefinition.RuleId, e.Time);
                        Open(Expectations.Change(e, RuleChangeKind.Modified, m.NewDefinition), e.Time);
                        break;
                    case RemoveRuleOp r:
                        Close(r.RuleId, e.Time);
                        break;
                    case DeleteGroupOp d:
                        foreach (string ruleId in state.Groups[d.GroupId].Rules.Keys)
                        {
                            Close(ruleId, e.Time);
                        }

                        break;
                }

                state.Apply(op);
            }
        }

        var byRuleIndex = new int[]?[timeline.RulesByIndex.Count];
        for (int i = 0; i < windows.Count; i++)
        {
            // A rule never in force (added and removed in one second) has no index and no records.
            if (timeline.RuleIndex.TryGetValue(windows[i].Change.RuleId!, out int index))
            {
                byRuleIndex[index] = [.. byRuleIndex[index] ?? [], i];
            }
        }

        return new ExposureExpectations(windows, byRuleIndex);

        void Open(RuleChange row, long time)
        {
            if (row.Direction == "ingress" && row.Risks.Length > 0)
            {
                var w = new ExposureWindowModel(row, time, null);
                windows.Add(w);
                open[row.RuleId!] = w;
            }
        }

        void Close(string ruleId, long time)
        {
            if (open.Remove(ruleId, out ExposureWindowModel? w))
            {
                w.To = time;
            }
        }
    }

    /// <summary>One row per window, from the merged per-window totals.</summary>
    public IEnumerable<Exposure> Rows(ExposureAcc?[] totals) => Windows.Select((w, i) =>
    {
        RuleChange c = w.Change;
        return new Exposure
        {
            // Windows open only on the model's own rule additions, which always name their group.
            GroupId = c.GroupId!,
            RuleId = c.RuleId!,
            Protocol = c.Protocol,
            FromPort = c.FromPort,
            ToPort = c.ToPort,
            Cidr = c.Cidr,
            ReferencedGroupId = c.ReferencedGroupId,
            PrefixListId = c.PrefixListId,
            Risks = c.Risks,
            Time = c.Time,
            EventId = c.EventId,
            EventName = c.EventName,
            Change = c.Change,
            Actor = c.Actor,
            SourceIp = c.SourceIp,
            InForceFrom = c.Time,
            InForceTo = w.To is { } to ? DateTimeOffset.FromUnixTimeSeconds(to) : null,
            Exposed = Figures(totals[i]?.Alone),
            AlsoAdmitted = Figures(totals[i]?.Shared),
        };
    });

    private static ExposureFigures Figures(ExposureSide? side)
    {
        if (side is null)
        {
            return new ExposureFigures { Instances = [], Fleets = [] };
        }

        bool any = side.Records + side.ScannerRecords > 0;
        return new ExposureFigures
        {
            Records = side.Records,
            ScannerRecords = side.ScannerRecords,
            Sources = side.Sources.Count,
            ScannerSources = side.ScannerSources.Count,
            Instances = [.. side.Instances.Order(StringComparer.Ordinal)],
            Fleets = [.. side.Fleets.Order(StringComparer.Ordinal)],
            FirstAdmitted = any ? DateTimeOffset.FromUnixTimeSeconds(side.First) : null,
            LastAdmitted = any ? DateTimeOffset.FromUnixTimeSeconds(side.Last) : null,
        };
    }
}
