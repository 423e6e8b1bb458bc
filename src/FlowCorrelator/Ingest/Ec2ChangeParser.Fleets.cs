using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

// Launch paths of real fleets: launch templates, EC2 Fleet (Karpenter), Auto Scaling groups, Spot eviction
// (docs/formats.md B.7–B.9). The newer EC2 APIs log their request under a wrapper named after the call
// (CreateLaunchTemplateRequest, CreateFleetRequest) with PascalCase members in the EC2 Query form, where a list of one
// element may be the element itself and every element carries a "tag" index ({"tag":1,"content":"sg-…"} for a scalar).
internal static partial class Ec2ChangeParser
{
    /// <summary>EC2 events of the launch paths, parsed by <see cref="Parse"/>.</summary>
    private static bool HandlesFleetEvent(string eventName) => eventName is
        "CreateLaunchTemplate" or "CreateLaunchTemplateVersion" or "ModifyLaunchTemplate" or
        "DeleteLaunchTemplate" or "DeleteLaunchTemplateVersions" or "CreateFleet" or "BidEvictedEvent";

    /// <summary>Events of <c>autoscaling.amazonaws.com</c> this parser understands.</summary>
    public static bool HandlesAutoScaling(string eventName) => eventName is
        "CreateAutoScalingGroup" or "UpdateAutoScalingGroup" or "DeleteAutoScalingGroup" or "CreateOrUpdateTags" or "DeleteTags";

    private static Ec2Change? ParseFleetEvent(string eventName, JsonElement request, JsonElement response, out string? problem) => eventName switch
    {
        "CreateLaunchTemplate" => CreateLaunchTemplate(request, response, newTemplate: true, out problem),
        "CreateLaunchTemplateVersion" => CreateLaunchTemplate(request, response, newTemplate: false, out problem),
        "ModifyLaunchTemplate" => ModifyLaunchTemplate(request, out problem),
        "DeleteLaunchTemplate" => DeleteLaunchTemplate(request, response, versions: false, out problem),
        "DeleteLaunchTemplateVersions" => DeleteLaunchTemplate(request, response, versions: true, out problem),
        "CreateFleet" => CreateFleet(request, response, out problem),
        "BidEvictedEvent" => Evicted(response, out problem),
        _ => throw new ArgumentOutOfRangeException(nameof(eventName), eventName, null),
    };

    /// <summary>
    /// Parses an Auto Scaling event. <paramref name="request"/> is <c>default</c> when absent.
    /// </summary>
    public static Ec2Change? ParseAutoScaling(string eventName, JsonElement request, out string? problem)
    {
        problem = null;
        try
        {
            switch (eventName)
            {
                case "CreateAutoScalingGroup" or "UpdateAutoScalingGroup":
                    string? name = Require(Str(request, "autoScalingGroupName"), "autoScalingGroupName", out problem);
                    if (name is null)
                    {
                        return null;
                    }

                    LaunchTemplateRef? template = TemplateRef(TryGet(request, "launchTemplate", out JsonElement lt) ? lt : default);
                    if (template is null && TryGet(request, "mixedInstancesPolicy", out JsonElement mixed) &&
                        TryGet(mixed, "launchTemplate", out JsonElement mlt) && TryGet(mlt, "launchTemplateSpecification", out JsonElement spec))
                    {
                        template = TemplateRef(spec);
                    }

                    return new AutoScalingGroupChanged(name, eventName == "CreateAutoScalingGroup", template, [.. AutoScalingTags(request, name)]);
                case "DeleteAutoScalingGroup":
                    string? deleted = Require(Str(request, "autoScalingGroupName"), "autoScalingGroupName", out problem);
                    return deleted is null ? null : new AutoScalingGroupDeleted(deleted);
                default: // CreateOrUpdateTags, DeleteTags
                    List<AutoScalingTag> tags = AutoScalingTags(request, null);
                    if (tags.Count == 0)
                    {
                        problem = "no tags of an auto-scaling-group";
                        return null;
                    }

                    return new AutoScalingTagsChanged([.. tags], eventName == "DeleteTags");
            }
        }
        catch (InvalidOperationException ex)
        {
            problem = $"{eventName}: unexpected shape ({ex.Message})";
            return null;
        }
    }

    /// <summary>
    /// The request's <c>tags</c>: in CreateAutoScalingGroup an entry may omit <c>resourceId</c> (the group being created);
    /// in CreateOrUpdateTags/DeleteTags each names its group. Entries of another <c>resourceType</c> are skipped.
    /// </summary>
    private static List<AutoScalingTag> AutoScalingTags(JsonElement request, string? group)
    {
        var tags = new List<AutoScalingTag>();
        foreach (JsonElement t in Items(request, "tags"))
        {
            string? type = Str(t, "resourceType");
            string? owner = Str(t, "resourceId") ?? group;
            string? key = Str(t, "key");
            if (string.IsNullOrEmpty(owner) || string.IsNullOrEmpty(key) ||
                (type is not null && !type.Equals("auto-scaling-group", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            tags.Add(new AutoScalingTag(owner, key, Str(t, "value"), Bool(t, "propagateAtLaunch") ?? false));
        }

        return tags;
    }

    /// <summary>A <c>launchTemplate</c> member (RunInstances, Auto Scaling; camelCase) or a <c>LaunchTemplateSpecification</c> (PascalCase).</summary>
    private static LaunchTemplateRef? TemplateRef(JsonElement spec)
    {
        if (spec.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? id = Str(spec, "launchTemplateId");
        string? name = Str(spec, "launchTemplateName");
        return id is null && name is null ? null : new LaunchTemplateRef(id, name, Str(spec, "version"));
    }

    /// <summary>The request body inside its wrapper (<c>CreateLaunchTemplateRequest</c> …), or the request itself.</summary>
    private static JsonElement Unwrap(JsonElement element, string wrapper) =>
        TryGet(element, wrapper, out JsonElement inner) ? inner : element;

    /// <summary>The elements of a Query-form list: an array, or a single element written as itself.</summary>
    private static IEnumerable<JsonElement> QueryList(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out JsonElement list))
        {
            return [];
        }

        return list.ValueKind switch
        {
            JsonValueKind.Array => list.EnumerateArray(),
            JsonValueKind.Object when TryGet(list, "items", out _) || TryGet(list, "item", out _) => Items(list),
            _ => [list],
        };
    }

    /// <summary>A scalar of a Query-form list element: the value itself, or its <c>content</c>.</summary>
    private static string? QueryScalar(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? Str(element, "content") : AsString(element);

    private static LaunchTemplateVersionCreated? CreateLaunchTemplate(JsonElement request, JsonElement response, bool newTemplate, out string? problem)
    {
        problem = null;
        JsonElement body = Unwrap(request, newTemplate ? "CreateLaunchTemplateRequest" : "CreateLaunchTemplateVersionRequest");
        JsonElement result = Unwrap(response, newTemplate ? "CreateLaunchTemplateResponse" : "CreateLaunchTemplateVersionResponse");
        JsonElement described = TryGet(result, newTemplate ? "launchTemplate" : "launchTemplateVersion", out JsonElement d) ? d : default;
        string? id = Str(described, "launchTemplateId") ?? Str(body, "LaunchTemplateId");
        int? version = newTemplate ? Int(described, "latestVersionNumber") ?? 1 : Int(described, "versionNumber");
        if (id is null || version is null)
        {
            problem = newTemplate ? "response without launchTemplate.launchTemplateId" : "response without launchTemplateVersion.launchTemplateId and versionNumber";
            return null;
        }

        bool isDefault = newTemplate || Bool(described, "defaultVersion") == true;
        JsonElement data = TryGet(body, "LaunchTemplateData", out JsonElement ld) ? ld : default;
        return new LaunchTemplateVersionCreated(id, Str(described, "launchTemplateName") ?? Str(body, "LaunchTemplateName"), version.Value, isDefault,
            newTemplate ? null : Str(body, "SourceVersion"), TemplateContent(data));
    }

    /// <summary>
    /// What a <c>LaunchTemplateData</c> states: <c>TagSpecification</c> for <c>instance</c>, <c>SecurityGroupId</c>, and the
    /// groups of each <c>NetworkInterface</c> entry. <c>SecurityGroup</c> (names, default VPC only) is not resolved.
    /// </summary>
    internal static LaunchTemplateContent TemplateContent(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return new LaunchTemplateContent();
        }

        ImmutableArray<Tag>? tags = null;
        foreach (JsonElement spec in QueryList(data, "TagSpecification").Concat(QueryList(data, "TagSpecifications")))
        {
            if (string.Equals(Str(spec, "ResourceType"), "instance", StringComparison.OrdinalIgnoreCase))
            {
                var list = new List<Tag>(tags ?? []);
                foreach (JsonElement t in QueryList(spec, "Tag").Concat(QueryList(spec, "Tags")))
                {
                    if (Str(t, "Key") is { Length: > 0 } key)
                    {
                        list.RemoveAll(x => x.Key == key);
                        list.Add(new Tag(key, Str(t, "Value") ?? string.Empty));
                    }
                }

                tags = [.. list];
            }
        }

        ImmutableArray<string>? groups = TryGet(data, "SecurityGroupId", out _) || TryGet(data, "SecurityGroupIds", out _)
            ? [.. GroupIdList(data)]
            : null;
        ImmutableArray<LaunchTemplateInterface>? nics = null;
        if (TryGet(data, "NetworkInterface", out _) || TryGet(data, "NetworkInterfaces", out _))
        {
            var list = new List<LaunchTemplateInterface>();
            int position = 0;
            foreach (JsonElement nic in QueryList(data, "NetworkInterface").Concat(QueryList(data, "NetworkInterfaces")))
            {
                list.Add(new LaunchTemplateInterface(Int(nic, "DeviceIndex") ?? position, [.. GroupIdList(nic)]));
                position++;
            }

            nics = [.. list];
        }

        return new LaunchTemplateContent { InstanceTags = tags, SecurityGroupIds = groups, NetworkInterfaces = nics };

        static List<string> GroupIdList(JsonElement container)
        {
            var ids = new List<string>();
            foreach (JsonElement g in QueryList(container, "SecurityGroupId").Concat(QueryList(container, "SecurityGroupIds")).Concat(QueryList(container, "Groups")))
            {
                if (QueryScalar(g) is { Length: > 0 } id && !ids.Contains(id))
                {
                    ids.Add(id);
                }
            }

            return ids;
        }
    }

    private static LaunchTemplateDefaultVersionSet? ModifyLaunchTemplate(JsonElement request, out string? problem)
    {
        problem = null;
        JsonElement body = Unwrap(request, "ModifyLaunchTemplateRequest");
        string? text = Str(body, "SetDefaultVersion") ?? Str(body, "DefaultVersion");
        if (text is null)
        {
            return null; // another attribute: nothing the index tracks
        }

        string? id = Str(body, "LaunchTemplateId");
        string? name = Str(body, "LaunchTemplateName");
        if ((id is null && name is null) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int version))
        {
            problem = "ModifyLaunchTemplate without LaunchTemplateId/LaunchTemplateName or with a non-numeric SetDefaultVersion";
            return null;
        }

        return new LaunchTemplateDefaultVersionSet(id, name, version);
    }

    private static LaunchTemplateDeleted? DeleteLaunchTemplate(JsonElement request, JsonElement response, bool versions, out string? problem)
    {
        problem = null;
        JsonElement body = Unwrap(request, versions ? "DeleteLaunchTemplateVersionsRequest" : "DeleteLaunchTemplateRequest");
        string? id = Str(body, "LaunchTemplateId");
        string? name = Str(body, "LaunchTemplateName");
        if (!versions)
        {
            JsonElement described = TryGet(Unwrap(response, "DeleteLaunchTemplateResponse"), "launchTemplate", out JsonElement d) ? d : default;
            id ??= Str(described, "launchTemplateId");
            name ??= Str(described, "launchTemplateName");
        }

        if (id is null && name is null)
        {
            problem = "missing LaunchTemplateId and LaunchTemplateName";
            return null;
        }

        if (!versions)
        {
            return new LaunchTemplateDeleted(id, name, []);
        }

        // Versions the response reports as not deleted stay.
        var failed = new HashSet<int>();
        foreach (JsonElement item in Items(Unwrap(response, "DeleteLaunchTemplateVersionsResponse"), "unsuccessfullyDeletedLaunchTemplateVersionSet"))
        {
            if (Int(item, "versionNumber") is int v)
            {
                failed.Add(v);
            }
        }

        var deleted = new List<int>();
        foreach (JsonElement v in QueryList(body, "LaunchTemplateVersion"))
        {
            if (int.TryParse(QueryScalar(v), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && !failed.Contains(n) && !deleted.Contains(n))
            {
                deleted.Add(n);
            }
        }

        if (deleted.Count == 0)
        {
            problem = "no LaunchTemplateVersion deleted";
            return null;
        }

        return new LaunchTemplateDeleted(id, name, [.. deleted]);
    }

    private static FleetCreated? CreateFleet(JsonElement request, JsonElement response, out string? problem)
    {
        problem = null;
        JsonElement body = Unwrap(request, "CreateFleetRequest");
        JsonElement result = Unwrap(response, "CreateFleetResponse");
        string? fleetId = Str(result, "fleetId");
        if (fleetId is null)
        {
            problem = "response without fleetId";
            return null;
        }

        var tags = new List<Tag>();
        foreach (JsonElement spec in QueryList(body, "TagSpecification"))
        {
            if (string.Equals(Str(spec, "ResourceType"), "instance", StringComparison.OrdinalIgnoreCase))
            {
                foreach (JsonElement t in QueryList(spec, "Tag"))
                {
                    if (Str(t, "Key") is { Length: > 0 } key)
                    {
                        tags.RemoveAll(x => x.Key == key);
                        tags.Add(new Tag(key, Str(t, "Value") ?? string.Empty));
                    }
                }
            }
        }

        // One template for the whole request: the instances' items name theirs too (launchTemplateAndOverrides).
        LaunchTemplateRef? requestTemplate = null;
        foreach (JsonElement config in QueryList(body, "LaunchTemplateConfigs"))
        {
            requestTemplate ??= TryGet(config, "LaunchTemplateSpecification", out JsonElement s) ? TemplateRef(s) : null;
        }

        var instances = new List<FleetInstance>();
        foreach (JsonElement item in Items(result, "fleetInstanceSet"))
        {
            LaunchTemplateRef? template = TryGet(item, "launchTemplateAndOverrides", out JsonElement lto) &&
                TryGet(lto, "launchTemplateSpecification", out JsonElement s) ? TemplateRef(s) : null;
            foreach (string id in InstanceIds(item))
            {
                instances.Add(new FleetInstance(id, template ?? requestTemplate));
            }
        }

        // A fleet of type request/maintain, or an instant fleet that launched nothing, names no instances: nothing to apply.
        return instances.Count == 0 ? null : new FleetCreated(fleetId, Str(body, "Type"), [.. tags], [.. instances]);

        static IEnumerable<string> InstanceIds(JsonElement item)
        {
            if (!TryGet(item, "instanceIds", out JsonElement ids))
            {
                yield break;
            }

            // {"item": "i-…"} for one instance, {"item": [...]}, {"items": [...]} or a bare array.
            JsonElement list = ids.ValueKind == JsonValueKind.Object && (TryGet(ids, "item", out JsonElement inner) || TryGet(ids, "items", out inner)) ? inner : ids;
            IEnumerable<JsonElement> elements = list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [list];
            foreach (JsonElement e in elements)
            {
                if (AsString(e) is { Length: > 0 } id)
                {
                    yield return id;
                }
            }
        }
    }

    /// <summary><c>BidEvictedEvent</c>: the reclaimed instances are in <c>serviceEventDetails.instanceIdSet</c>.</summary>
    private static InstancesStateChanged? Evicted(JsonElement serviceEventDetails, out string? problem)
    {
        var ids = new List<string>();
        if (TryGet(serviceEventDetails, "instanceIdSet", out JsonElement set))
        {
            IEnumerable<JsonElement> elements = set.ValueKind == JsonValueKind.Array ? set.EnumerateArray() : Items(set);
            foreach (JsonElement e in elements)
            {
                string? id = e.ValueKind == JsonValueKind.Object ? Str(e, "instanceId") : AsString(e);
                if (!string.IsNullOrEmpty(id) && !ids.Contains(id))
                {
                    ids.Add(id);
                }
            }
        }

        problem = ids.Count == 0 ? "no serviceEventDetails.instanceIdSet" : null;
        return ids.Count == 0 ? null : new InstancesStateChanged(InstanceStateChange.Evicted, [.. ids]);
    }
}
