namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>Question 6 totals of one risky window: the records the rule alone admitted, and those another rule admitted too.</summary>
internal sealed class ExposureAcc
{
    public ExposureSide Alone { get; } = new();

    public ExposureSide Shared { get; } = new();
}

/// <summary>One side of an <see cref="ExposureAcc"/>.</summary>
internal sealed class ExposureSide
{
    public long Records;
    public long ScannerRecords;
    public readonly HashSet<uint> Sources = [];
    public readonly HashSet<uint> ScannerSources = [];
    public readonly HashSet<string> Instances = new(StringComparer.Ordinal);
    public readonly HashSet<string> Fleets = new(StringComparer.Ordinal);
    public long First = long.MaxValue;
    public long Last = long.MinValue;

    public void Merge(ExposureSide o)
    {
        Records += o.Records;
        ScannerRecords += o.ScannerRecords;
        Sources.UnionWith(o.Sources);
        ScannerSources.UnionWith(o.ScannerSources);
        Instances.UnionWith(o.Instances);
        Fleets.UnionWith(o.Fleets);
        First = Math.Min(First, o.First);
        Last = Math.Max(Last, o.Last);
    }
}

// Question 6 per record (docs/semantics.md): an ACCEPT record inbound to an interface, matched by a rule whose current
// definition is a risky window, counts for that window as "exposed" when it is the only ingress rule of the
// interface's groups that matches, else as "also admitted".
internal sealed partial class Accumulator
{
    /// <summary>The risky windows (null: question 6 is not evaluated).</summary>
    public ExposureExpectations? Exposure { get; init; }

    private ExposureAcc?[]? _exposures;

    /// <summary>Totals by window position.</summary>
    public ExposureAcc?[] Exposures => _exposures ??= new ExposureAcc?[Exposure?.Windows.Count ?? 0];

    private void AddExposure(in FlowRec r, Epoch epoch)
    {
        if (Exposure is not { } model)
        {
            return;
        }

        EniView e = r.Eni;
        int matching = 0;
        foreach (RuleView rule in e.Ingress)
        {
            if (Matches(rule, r, epoch))
            {
                matching++;
            }
        }

        foreach (RuleView rule in e.Ingress)
        {
            if (model.ByRuleIndex[rule.Index] is not { } positions || !Matches(rule, r, epoch))
            {
                continue;
            }

            foreach (int position in positions)
            {
                if (!model.Windows[position].Contains(r.Start))
                {
                    continue;
                }

                ExposureAcc acc = Exposures[position] ??= new ExposureAcc();
                ExposureSide side = matching == 1 ? acc.Alone : acc.Shared;
                if (ModelNetworks.IsScanner(r.Src))
                {
                    side.ScannerRecords++;
                    side.ScannerSources.Add(r.Src);
                }
                else
                {
                    side.Records++;
                    side.Sources.Add(r.Src);
                }

                // The instance and its Name as the evidence knows them (the index's, not the world's: a rename the
                // trail does not hold is not the index's).
                if (e.IndexInstanceId is { } instance)
                {
                    side.Instances.Add(instance);
                    if (epoch.IndexInstances.GetValueOrDefault(instance)?.Tags.GetValueOrDefault("Name") is { } name)
                    {
                        side.Fleets.Add(name);
                    }
                }

                side.First = Math.Min(side.First, r.Start);
                side.Last = Math.Max(side.Last, r.Start);
                break;
            }
        }
    }

    private void MergeExposures(Accumulator other)
    {
        for (int i = 0; i < other.Exposures.Length; i++)
        {
            if (other.Exposures[i] is not { } o)
            {
                continue;
            }

            ExposureAcc a = Exposures[i] ??= new ExposureAcc();
            a.Alone.Merge(o.Alone);
            a.Shared.Merge(o.Shared);
        }
    }
}
