namespace FlowCorrelator.Index;

// Tags on instances, and describe-* snapshots (state before the trail).
internal sealed partial class IndexBuilder
{
    private void CreateTags(TagsCreated c)
    {
        foreach (string id in c.ResourceIds)
        {
            if (id.StartsWith("i-", StringComparison.Ordinal))
            {
                MutableInstance instance = Instance(id);
                foreach (Tag t in c.Tags)
                {
                    instance.Tags[t.Key] = t.Value ?? string.Empty;
                }

                MarkInstanceDirty(instance);
            }

            Record(id, "tags set " + string.Join(",", c.Tags.Select(t => $"{t.Key}={t.Value}")));
        }
    }

    private void DeleteTags(TagsDeleted c)
    {
        foreach (string id in c.ResourceIds)
        {
            if (id.StartsWith("i-", StringComparison.Ordinal))
            {
                MutableInstance instance = Instance(id);
                if (c.Tags.IsDefaultOrEmpty)
                {
                    instance.Tags.Clear();
                }
                else
                {
                    foreach (Tag t in c.Tags)
                    {
                        if (instance.Tags.TryGetValue(t.Key, out string? v) && (t.Value is null || t.Value == v))
                        {
                            instance.Tags.Remove(t.Key);
                        }
                    }
                }

                MarkInstanceDirty(instance);
            }

            Record(id, "tags deleted " + (c.Tags.IsDefaultOrEmpty ? "(all)" : string.Join(",", c.Tags.Select(t => t.Value is null ? t.Key : $"{t.Key}={t.Value}"))));
        }
    }

    private void ApplySnapshot(BaselineSnapshot c)
    {
        _defaultVpcs.UnionWith(c.DefaultVpcIds);

        // Launch definitions first: the trail's launches (and the snapshot's instances) may name them.
        foreach (LaunchTemplateVersionCreated v in c.TemplateVersions)
        {
            CreateTemplateVersion(v);
        }

        foreach (LaunchTemplateDefaultVersionSet d in c.TemplateDefaults)
        {
            SetDefaultTemplateVersion(d);
        }

        foreach (AutoScalingGroupChanged g in c.AutoScalingGroups)
        {
            ChangeAutoScalingGroup(g);
        }

        foreach (SecurityGroupCreated g in c.Groups)
        {
            CreateGroup(g, inEvidence: false);
        }

        foreach (SecurityGroupRuleSpec rule in c.Rules)
        {
            if (rule.RuleId is not null)
            {
                AddOrReplaceRule(Group(rule.GroupId), rule);
            }
        }

        foreach (NetworkInterfaceInfo ni in c.NetworkInterfaces)
        {
            Materialise(ni).DeleteOnTermination = ni.DeleteOnTermination ?? false;
        }

        foreach (InstanceInfo info in c.Instances)
        {
            bool running = info.State is null or "running" or "pending";
            LaunchOne(info, running);
        }

        foreach ((string eniId, string instanceId, string? attachmentId, int deviceIndex) in c.Attachments)
        {
            Attach(eniId, instanceId, attachmentId, deviceIndex, byLaunch: true);
        }
    }
}
