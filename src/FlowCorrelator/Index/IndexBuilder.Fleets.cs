using System.Collections.Immutable;
using System.Globalization;

namespace FlowCorrelator.Index;

// Launch paths of real fleets (docs/semantics.md, "Launch templates, Auto Scaling and EC2 Fleet"): launch-template
// versions, Auto Scaling groups with their propagated tags and template, EC2 Fleet (CreateFleet) instance tags, and
// how a launch that does not state its own tags or groups gets them.
internal sealed partial class IndexBuilder
{
    private readonly Dictionary<string, MutableTemplate> _templates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _templateIdsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MutableAutoScalingGroup> _autoScalingGroups = new(StringComparer.Ordinal);

    /// <summary>Instances an EC2 Fleet launched: the fleet's instance tags and the template it used, for their RunInstances.</summary>
    private readonly Dictionary<string, (ImmutableArray<Tag> Tags, LaunchTemplateRef? Template)> _fleetInstances = new(StringComparer.Ordinal);

    private void CreateTemplateVersion(LaunchTemplateVersionCreated c)
    {
        MutableTemplate template = Template(c.TemplateId);
        if (c.TemplateName is not null)
        {
            template.Name = c.TemplateName;
            _templateIdsByName[c.TemplateName] = c.TemplateId;
        }

        template.Deleted = false;
        LaunchTemplateContent content = c.Content;
        if (c.SourceVersion is not null)
        {
            // Members the request does not state come from the source version (EC2 copies it, then applies the request).
            if (template.Resolve(c.SourceVersion) is { } source)
            {
                content = content.Over(source);
            }
            else
            {
                Record(c.TemplateId, $"version {c.Version} from source version {c.SourceVersion}, unknown to the evidence");
            }
        }

        template.Versions[c.Version] = content;
        template.Latest = Math.Max(template.Latest, c.Version);
        if (c.IsDefault)
        {
            template.Default = c.Version;
        }

        Record(c.TemplateId, $"version {c.Version}{(c.IsDefault ? " (default)" : string.Empty)}: {Describe(content)}");
    }

    private void SetDefaultTemplateVersion(LaunchTemplateDefaultVersionSet c)
    {
        if (TemplateId(c.TemplateId, c.TemplateName) is not { } id)
        {
            Record(c.TemplateName ?? "?", $"default version {c.Version} of a template unknown to the evidence");
            return;
        }

        Template(id).Default = c.Version;
        Record(id, $"default version {c.Version}");
    }

    private void DeleteTemplate(LaunchTemplateDeleted c)
    {
        if (TemplateId(c.TemplateId, c.TemplateName) is not { } id)
        {
            return;
        }

        MutableTemplate template = Template(id);
        if (c.Versions.IsDefaultOrEmpty)
        {
            template.Deleted = true;
            template.Versions.Clear();
            Record(id, "deleted");
            return;
        }

        foreach (int v in c.Versions)
        {
            template.Versions.Remove(v);
        }

        Record(id, $"versions {string.Join(",", c.Versions)} deleted");
    }

    private void ChangeAutoScalingGroup(AutoScalingGroupChanged c)
    {
        MutableAutoScalingGroup group = AutoScalingGroup(c.GroupName);
        if (c.Created)
        {
            group.Tags.Clear();
            group.Template = null;
        }

        group.Deleted = false;
        group.Template = c.LaunchTemplate ?? group.Template;
        foreach (AutoScalingTag t in c.Tags)
        {
            group.Tags[t.Key] = (t.Value ?? string.Empty, t.PropagateAtLaunch);
        }

        Record("asg/" + c.GroupName, $"{(c.Created ? "created" : "updated")}; template {Describe(group.Template)}; propagated tags {FormatTags(group.Propagated())}");
    }

    private void ChangeAutoScalingTags(AutoScalingTagsChanged c)
    {
        foreach (IGrouping<string, AutoScalingTag> byGroup in c.Tags.GroupBy(t => t.GroupName, StringComparer.Ordinal))
        {
            MutableAutoScalingGroup group = AutoScalingGroup(byGroup.Key);
            foreach (AutoScalingTag t in byGroup)
            {
                if (!c.Deleted)
                {
                    group.Tags[t.Key] = (t.Value ?? string.Empty, t.PropagateAtLaunch);
                }
                else if (group.Tags.TryGetValue(t.Key, out (string Value, bool Propagate) current) && (t.Value is null || t.Value == current.Value))
                {
                    group.Tags.Remove(t.Key);
                }
            }

            Record("asg/" + byGroup.Key, $"tags {(c.Deleted ? "deleted" : "set")} {string.Join(",", byGroup.Select(t => t.Value is null ? t.Key : $"{t.Key}={t.Value}"))}");
        }
    }

    private void DeleteAutoScalingGroup(AutoScalingGroupDeleted c)
    {
        MutableAutoScalingGroup group = AutoScalingGroup(c.GroupName);
        group.Deleted = true;
        Record("asg/" + c.GroupName, "deleted");
    }

    private void CreateFleet(FleetCreated c)
    {
        foreach (FleetInstance fi in c.Instances)
        {
            _fleetInstances[fi.InstanceId] = (c.InstanceTags, fi.LaunchTemplate);
            MutableInstance instance = Instance(fi.InstanceId);
            if (!instance.Launched)
            {
                // Its RunInstances is not (yet) applied: the fleet's response is the evidence that it runs.
                instance.Running = true;
                instance.Launched = true;
            }

            // The fleet's instance tags and its template's under whatever the launch itself stated (applied first or not).
            var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
            if (ResolveTemplate(fi.LaunchTemplate, instance.Tags) is { InstanceTags: { } templateTags })
            {
                AddTags(defaults, templateTags);
            }

            AddTags(defaults, c.InstanceTags);
            foreach ((string key, string value) in defaults)
            {
                instance.Tags.TryAdd(key, value);
            }

            Record(fi.InstanceId, $"launched by EC2 Fleet {c.FleetId} ({c.FleetType ?? "?"}); tags {FormatTags(instance.Tags)}");
            MarkInstanceDirty(instance);
        }
    }

    /// <summary>
    /// Completes a launched instance from what its launch path says, where the launch event does not say it itself:
    /// tags from the launch template version, the EC2 Fleet request and the Auto Scaling group; groups from the template.
    /// </summary>
    private InstanceInfo CompleteLaunch(InstanceInfo info, LaunchTemplateRef? requested)
    {
        var stated = new Dictionary<string, string>(StringComparer.Ordinal);
        AddTags(stated, info.Tags);

        (ImmutableArray<Tag> Tags, LaunchTemplateRef? Template) fleet = _fleetInstances.GetValueOrDefault(info.InstanceId);
        LaunchTemplateRef? templateRef = requested ?? fleet.Template ?? TemplateFromTags(stated);
        MutableAutoScalingGroup? asg = stated.TryGetValue(AutoScalingTag.GroupNameTagKey, out string? asgName) && _autoScalingGroups.TryGetValue(asgName, out MutableAutoScalingGroup? g) && !g.Deleted ? g : null;
        templateRef ??= asg?.Template;
        LaunchTemplateContent? template = ResolveTemplate(templateRef, stated);

        // Precedence, lowest first: template, EC2 Fleet request, Auto Scaling group (it overrides the template's value of
        // a key it also has), then the launch's own request and response.
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        AddTags(tags, template?.InstanceTags ?? []);
        AddTags(tags, fleet.Tags.IsDefault ? [] : fleet.Tags);
        if (asg is not null)
        {
            foreach ((string key, string value) in asg.Propagated())
            {
                tags[key] = value;
            }
        }

        foreach ((string key, string value) in stated)
        {
            tags[key] = value;
        }

        bool groupsStated = !info.Groups.IsDefaultOrEmpty || info.NetworkInterfaces.Any(n => !n.Groups.IsDefaultOrEmpty);
        if (groupsStated || template is null)
        {
            return info with { Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))] };
        }

        // The response states no group at all: the template's groups are the instance's.
        ImmutableArray<GroupRef> instanceGroups = [.. (template.SecurityGroupIds ?? []).Select(id => new GroupRef(id))];
        ImmutableArray<NetworkInterfaceInfo> nics =
        [
            .. info.NetworkInterfaces.Select(n =>
            {
                LaunchTemplateInterface? fromTemplate = template.NetworkInterfaces?.FirstOrDefault(t => t.DeviceIndex == n.DeviceIndex);
                ImmutableArray<string> ids = fromTemplate is { GroupIds.IsDefaultOrEmpty: false } ? fromTemplate.GroupIds : template.SecurityGroupIds ?? [];
                return n with { Groups = [.. ids.Select(id => new GroupRef(id))] };
            }),
        ];
        return info with
        {
            Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))],
            Groups = instanceGroups.IsEmpty && nics.Length > 0 ? nics[0].Groups : instanceGroups,
            NetworkInterfaces = nics,
        };
    }

    /// <summary>The template a launch names through the tags EC2 puts on its instances (<c>aws:ec2launchtemplate:id</c>/<c>version</c>).</summary>
    private static LaunchTemplateRef? TemplateFromTags(Dictionary<string, string> tags) =>
        tags.TryGetValue("aws:ec2launchtemplate:id", out string? id)
            ? new LaunchTemplateRef(id, null, tags.GetValueOrDefault("aws:ec2launchtemplate:version"))
            : null;

    /// <summary>The content of the template version a launch names, as known now; null (noted in the history) when unknown.</summary>
    private LaunchTemplateContent? ResolveTemplate(LaunchTemplateRef? reference, Dictionary<string, string> stated)
    {
        if (reference is null)
        {
            return null;
        }

        // EC2 tags the instance with the version it actually used: that beats $Default/$Latest resolved here.
        string? version = reference.Version;
        if (version is null or "$Default" or "$Latest" && stated.TryGetValue("aws:ec2launchtemplate:version", out string? used))
        {
            version = used;
        }

        LaunchTemplateContent? content = TemplateId(reference.TemplateId, reference.TemplateName) is { } id && _templates.TryGetValue(id, out MutableTemplate? t) && !t.Deleted
            ? t.Resolve(version)
            : null;
        if (content is null)
        {
            Record(reference.TemplateId ?? reference.TemplateName ?? "?", $"launch from version {version ?? "$Default"}, unknown to the evidence");
        }

        return content;
    }

    private string? TemplateId(string? id, string? name) =>
        id ?? (name is not null && _templateIdsByName.TryGetValue(name, out string? byName) ? byName : null);

    private MutableTemplate Template(string id)
    {
        if (!_templates.TryGetValue(id, out MutableTemplate? template))
        {
            template = new MutableTemplate();
            _templates[id] = template;
        }

        return template;
    }

    private MutableAutoScalingGroup AutoScalingGroup(string name)
    {
        if (!_autoScalingGroups.TryGetValue(name, out MutableAutoScalingGroup? group))
        {
            group = new MutableAutoScalingGroup();
            _autoScalingGroups[name] = group;
        }

        return group;
    }

    private static void AddTags(Dictionary<string, string> into, IEnumerable<Tag> tags)
    {
        foreach (Tag t in tags)
        {
            if (t.Value is not null)
            {
                into[t.Key] = t.Value;
            }
        }
    }

    private static string Describe(LaunchTemplateContent c) =>
        $"instance tags {(c.InstanceTags is { } t ? FormatTags(t.ToDictionary(x => x.Key, x => x.Value ?? string.Empty, StringComparer.Ordinal)) : "(not stated)")}; " +
        $"groups {(c.SecurityGroupIds is { } g ? string.Join(",", g) : "(not stated)")}" +
        (c.NetworkInterfaces is { } n ? "; interfaces " + string.Join(" ", n.Select(i => $"{i.DeviceIndex.ToString(CultureInfo.InvariantCulture)}:[{string.Join(",", i.GroupIds)}]")) : string.Empty);

    private static string Describe(LaunchTemplateRef? r) =>
        r is null ? "(none)" : $"{r.TemplateId ?? r.TemplateName} version {r.Version ?? "$Default"}";

    /// <summary>A launch template as the replay goes: its versions' content, default and latest version.</summary>
    private sealed class MutableTemplate
    {
        public string? Name { get; set; }

        public int Default { get; set; } = 1;

        public int Latest { get; set; }

        public bool Deleted { get; set; }

        public Dictionary<int, LaunchTemplateContent> Versions { get; } = [];

        /// <summary>A version as a launch writes it: a number, <c>$Default</c>, <c>$Latest</c>, or null for the default.</summary>
        public LaunchTemplateContent? Resolve(string? version)
        {
            int number = version switch
            {
                null or "" or "$Default" => Default,
                "$Latest" => Latest,
                _ => int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1,
            };
            return Versions.GetValueOrDefault(number);
        }
    }

    /// <summary>An Auto Scaling group as the replay goes.</summary>
    private sealed class MutableAutoScalingGroup
    {
        public LaunchTemplateRef? Template { get; set; }

        public bool Deleted { get; set; }

        /// <summary>Key → (value, propagate at launch).</summary>
        public Dictionary<string, (string Value, bool Propagate)> Tags { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Propagated() =>
            Tags.Where(t => t.Value.Propagate).ToDictionary(t => t.Key, t => t.Value.Value, StringComparer.Ordinal);
    }
}
