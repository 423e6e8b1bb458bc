using System.Collections.Immutable;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

// Launch definitions older than the trail: `aws ec2 describe-launch-template-versions`, `describe-launch-templates` and
// `aws autoscaling describe-auto-scaling-groups` output (PascalCase, plural list names: LaunchTemplateData's
// SecurityGroupIds, NetworkInterfaces[].Groups, TagSpecifications[].Tags; docs/formats.md B.6b).
public sealed partial class SnapshotReader
{
    /// <summary>What a snapshot file says of launch templates and Auto Scaling groups.</summary>
    private readonly record struct LaunchPathSnapshot(
        ImmutableArray<LaunchTemplateVersionCreated> Versions,
        ImmutableArray<LaunchTemplateDefaultVersionSet> Defaults,
        ImmutableArray<AutoScalingGroupChanged> Groups);

    private LaunchPathSnapshot ReadLaunchPaths(JsonElement root, FileReport report, ref bool recognised)
    {
        var versions = ImmutableArray.CreateBuilder<LaunchTemplateVersionCreated>();
        var defaults = ImmutableArray.CreateBuilder<LaunchTemplateDefaultVersionSet>();
        var groups = ImmutableArray.CreateBuilder<AutoScalingGroupChanged>();
        if (TryGet(root, "LaunchTemplateVersions", out JsonElement list))
        {
            recognised = true;
            foreach (JsonElement v in Items(list))
            {
                string? id = Str(v, "LaunchTemplateId");
                int? number = Int(v, "VersionNumber");
                if (string.IsNullOrEmpty(id) || number is null)
                {
                    Problem(report, "a launch template version without LaunchTemplateId or VersionNumber");
                    continue;
                }

                report.Records++;
                JsonElement data = TryGet(v, "LaunchTemplateData", out JsonElement d) ? d : default;
                versions.Add(new LaunchTemplateVersionCreated(id, Str(v, "LaunchTemplateName"), number.Value, Bool(v, "DefaultVersion") == true, null,
                    Ec2ChangeParser.TemplateContent(data)));
            }
        }

        if (TryGet(root, "LaunchTemplates", out JsonElement templates))
        {
            recognised = true;
            foreach (JsonElement t in Items(templates))
            {
                string? id = Str(t, "LaunchTemplateId");
                int? number = Int(t, "DefaultVersionNumber");
                if (string.IsNullOrEmpty(id) || number is null)
                {
                    Problem(report, "a launch template without LaunchTemplateId or DefaultVersionNumber");
                    continue;
                }

                report.Records++;
                defaults.Add(new LaunchTemplateDefaultVersionSet(id, Str(t, "LaunchTemplateName"), number.Value));
            }
        }

        if (TryGet(root, "AutoScalingGroups", out JsonElement asgs))
        {
            recognised = true;
            foreach (JsonElement g in Items(asgs))
            {
                string? name = Str(g, "AutoScalingGroupName");
                if (string.IsNullOrEmpty(name))
                {
                    Problem(report, "an Auto Scaling group without AutoScalingGroupName");
                    continue;
                }

                report.Records++;
                JsonElement spec = TryGet(g, "LaunchTemplate", out JsonElement lt) ? lt
                    : TryGet(g, "MixedInstancesPolicy", out JsonElement mixed) && TryGet(mixed, "LaunchTemplate", out JsonElement mlt) &&
                      TryGet(mlt, "LaunchTemplateSpecification", out JsonElement s) ? s : default;
                LaunchTemplateRef? template = spec.ValueKind == JsonValueKind.Object && (Str(spec, "LaunchTemplateId") ?? Str(spec, "LaunchTemplateName")) is not null
                    ? new LaunchTemplateRef(Str(spec, "LaunchTemplateId"), Str(spec, "LaunchTemplateName"), Str(spec, "Version"))
                    : null;
                ImmutableArray<AutoScalingTag> tags =
                [
                    .. Items(g, "Tags")
                        .Where(t => Str(t, "Key") is { Length: > 0 })
                        .Select(t => new AutoScalingTag(name, Str(t, "Key")!, Str(t, "Value"), Bool(t, "PropagateAtLaunch") ?? false)),
                ];
                groups.Add(new AutoScalingGroupChanged(name, Created: true, template, tags));
            }
        }

        return new LaunchPathSnapshot(versions.ToImmutable(), defaults.ToImmutable(), groups.ToImmutable());
    }
}
