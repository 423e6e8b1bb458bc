using System.Collections.Immutable;

namespace FlowCorrelator.Index;

// Instances and interfaces: launch, state changes, create/delete, attach/detach, group sets and addresses.
internal sealed partial class IndexBuilder
{
    private void Launch(InstancesLaunched c)
    {
        foreach (string g in c.RequestedGroups)
        {
            Group(g).AttachEvidence = true;
        }

        foreach (InstanceInfo info in c.Instances)
        {
            LaunchOne(CompleteLaunch(info, c.LaunchTemplate), running: true);
        }
    }

    private void LaunchOne(InstanceInfo info, bool running)
    {
        MutableInstance instance = Instance(info.InstanceId);
        instance.Running = running;
        instance.Launched = true;

        // Merge rather than replace: a CreateTags for the new id may have been applied first (same second).
        foreach (Tag t in info.Tags)
        {
            if (t.Value is not null)
            {
                instance.Tags[t.Key] = t.Value;
            }
        }

        instance.Groups = [.. info.Groups.Select(g => g.GroupId)];
        foreach (GroupRef g in info.Groups)
        {
            NoteGroupName(g);
            Group(g.GroupId).AttachEvidence = true;
        }

        Record(info.InstanceId, $"{(running ? "launched" : "known running state: " + (info.State ?? "unknown"))}; tags {FormatTags(instance.Tags)}; groups {string.Join(",", instance.Groups)}");
        foreach (NetworkInterfaceInfo ni in info.NetworkInterfaces)
        {
            MutableInterface eni = Interface(ni.NetworkInterfaceId);
            eni.Exists = true;
            eni.Deleted = false;
            eni.VpcId = ni.VpcId ?? info.VpcId ?? eni.VpcId;

            // AWS deletes an interface with its instance when the attachment says deleteOnTermination; interfaces
            // created by the launch default to true, and snapshots and older events may not say.
            eni.DeleteOnTermination = ni.DeleteOnTermination ?? (_event.Change is not BaselineSnapshot);
            ImmutableArray<GroupRef> groups = ni.Groups.IsDefaultOrEmpty ? info.Groups : ni.Groups;
            SetGroups(eni, groups);
            var ips = new List<string>(ni.PrivateIps);
            if (ips.Count == 0 && ni.DeviceIndex == 0 && info.PrivateIp is not null)
            {
                ips.Add(info.PrivateIp);
            }

            foreach (string ip in ips)
            {
                AddAddress(eni, ip);
            }

            foreach (string prefix in ni.Prefixes)
            {
                AddPrefix(eni, prefix);
            }

            Record(eni.Id, $"created with {info.InstanceId}; addresses {string.Join(",", eni.Addresses.Keys)}; groups {string.Join(",", eni.Groups)}");
            Attach(eni.Id, info.InstanceId, ni.AttachmentId, ni.DeviceIndex, byLaunch: true);
        }

        MarkInstanceDirty(instance);
    }

    private void ChangeState(InstancesStateChanged c)
    {
        foreach (string id in c.InstanceIds)
        {
            MutableInstance instance = Instance(id);
            switch (c.Kind)
            {
                case InstanceStateChange.Started:
                    instance.Running = true;
                    Record(id, "started");
                    break;
                case InstanceStateChange.Stopped:
                    instance.Running = false;
                    Record(id, "stopped");
                    break;
                default:
                    // TerminateInstances, and a Spot eviction (BidEvictedEvent), which ends the instance the same way.
                    instance.Running = false;
                    Record(id, c.Kind == InstanceStateChange.Evicted ? "evicted (Spot interruption)" : "terminated");
                    foreach (string eniId in instance.Interfaces.ToList())
                    {
                        MutableInterface eni = Interface(eniId);
                        DetachInterface(eni);
                        if (eni.DeleteOnTermination)
                        {
                            // AWS deletes these with the instance and logs no event for it.
                            DeleteInterface(eniId);
                        }
                    }

                    break;
            }

            MarkInstanceDirty(instance);
        }
    }

    private void CreateInterface(NetworkInterfaceCreated c)
    {
        foreach (string g in c.RequestedGroups)
        {
            Group(g).AttachEvidence = true;
        }

        MutableInterface eni = Materialise(c.Interface);
        eni.DeleteOnTermination = false;

        Record(eni.Id, $"created; addresses {string.Join(",", eni.Addresses.Keys)}; groups {string.Join(",", eni.Groups)}");
        _dirtyInterfaces.Add(eni);
    }

    /// <summary>An interface as a create response or snapshot describes it: existing, with its groups and addresses.</summary>
    private MutableInterface Materialise(NetworkInterfaceInfo ni)
    {
        MutableInterface eni = Interface(ni.NetworkInterfaceId);
        eni.Exists = true;
        eni.Deleted = false;
        eni.VpcId = ni.VpcId ?? eni.VpcId;
        SetGroups(eni, ni.Groups); // also records the groups as attached
        foreach (string ip in ni.PrivateIps)
        {
            AddAddress(eni, ip);
        }

        foreach (string prefix in ni.Prefixes)
        {
            AddPrefix(eni, prefix);
        }

        return eni;
    }

    private void DeleteInterface(string interfaceId)
    {
        MutableInterface eni = Interface(interfaceId);
        DetachInterface(eni);
        foreach (IpAddr ip in eni.Addresses.Keys.ToList())
        {
            RemoveAddress(eni, ip);
        }

        foreach (IpNetwork prefix in eni.Prefixes.Keys.ToList())
        {
            RemovePrefix(eni, prefix);
        }

        eni.Exists = false;
        eni.Deleted = true;
        Record(interfaceId, "deleted");
        _dirtyInterfaces.Add(eni);
    }

    private void Attach(string interfaceId, string instanceId, string? attachmentId, int deviceIndex, bool byLaunch)
    {
        MutableInterface eni = Interface(interfaceId);
        MutableInstance instance = Instance(instanceId);
        if (eni.Instance is not null && eni.Instance != instanceId)
        {
            DetachInterface(eni);
        }

        eni.Exists = true;
        eni.Instance = instanceId;
        eni.DeviceIndex = deviceIndex;
        if (!byLaunch)
        {
            eni.DeleteOnTermination = false; // AttachNetworkInterface attachments default to false
        }
        instance.Interfaces.Add(interfaceId);
        if (attachmentId is not null)
        {
            _attachments[attachmentId] = (interfaceId, instanceId);
        }

        if (!byLaunch)
        {
            Record(interfaceId, $"attached to {instanceId} (device {deviceIndex})");
            Record(instanceId, $"{interfaceId} attached (device {deviceIndex})");
        }

        _dirtyInterfaces.Add(eni);
    }

    private void SetDeleteOnTermination(NetworkInterfaceDeleteOnTerminationChanged c)
    {
        MutableInterface eni = Interface(c.NetworkInterfaceId);
        eni.DeleteOnTermination = c.DeleteOnTermination;
        Record(eni.Id, $"deleteOnTermination = {(c.DeleteOnTermination ? "true" : "false")}");
    }

    private void Detach(string attachmentId)
    {
        if (_attachments.TryGetValue(attachmentId, out (string Interface, string Instance) a))
        {
            MutableInterface eni = Interface(a.Interface);
            if (eni.Instance == a.Instance)
            {
                DetachInterface(eni);
                Record(a.Interface, $"detached from {a.Instance}");
                Record(a.Instance, $"{a.Interface} detached");
            }
        }
        else
        {
            Record(attachmentId, "detached (attachment unknown to the evidence)");
        }
    }

    private void DetachInterface(MutableInterface eni)
    {
        if (eni.Instance is { } instanceId)
        {
            Instance(instanceId).Interfaces.Remove(eni.Id);
            eni.Instance = null;
            _dirtyInterfaces.Add(eni);
        }
    }

    private void ReplaceGroups(MutableInterface eni, ImmutableArray<GroupRef> groups, string? viaInstance = null)
    {
        // A successful call on an interface proves it exists, even when it is older than the evidence.
        eni.Exists |= !eni.Deleted;
        bool beforeKnown = eni.GroupsKnown;
        ImmutableArray<string> before = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        SetGroups(eni, groups); // also records the groups as attached
        ImmutableArray<string> after = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _groupSetChanges.Add(new GroupSetChangeRecord(_event, eni.Id, eni.Instance ?? viaInstance, before, after, beforeKnown));
        Record(eni.Id, $"groups {(beforeKnown ? string.Join(",", before) : "(unknown)")} -> {string.Join(",", after)}");
        _dirtyInterfaces.Add(eni);
    }

    private void ReplaceInstanceGroups(InstanceGroupsReplaced c)
    {
        MutableInstance instance = Instance(c.InstanceId);
        instance.Groups = [.. c.Groups.Select(g => g.GroupId)];
        MutableInterface? primary = instance.Interfaces.Select(Interface).Where(e => e.DeviceIndex == 0).FirstOrDefault();
        if (primary is not null)
        {
            ReplaceGroups(primary, c.Groups, c.InstanceId);
            return;
        }

        foreach (GroupRef g in c.Groups)
        {
            Group(g.GroupId).AttachEvidence = true;
        }

        ImmutableArray<string> after = [.. c.Groups.Select(g => g.GroupId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _groupSetChanges.Add(new GroupSetChangeRecord(_event, null, c.InstanceId, [], after, BeforeKnown: false));
        Record(c.InstanceId, $"groups -> {string.Join(",", after)} (primary interface unknown)");
    }

    private void ChangeAddresses(PrivateIpsChanged c)
    {
        MutableInterface eni = Interface(c.NetworkInterfaceId);
        eni.Exists |= !eni.Deleted;
        foreach (string ip in c.Ips)
        {
            if (c.Unassigned)
            {
                if (IpAddr.TryParse(ip, out IpAddr address))
                {
                    RemoveAddress(eni, address);
                }
            }
            else
            {
                AddAddress(eni, ip);
            }
        }

        foreach (string text in c.Prefixes)
        {
            if (!c.Unassigned)
            {
                AddPrefix(eni, text);
            }
            else if (IpNetwork.TryParse(text, out IpNetwork prefix))
            {
                RemovePrefix(eni, prefix);
            }
        }

        Record(eni.Id, $"{(c.Unassigned ? "unassigned" : "assigned")} {string.Join(",", c.Ips.Concat(c.Prefixes))}");
        _dirtyInterfaces.Add(eni);
    }

    private void SetGroups(MutableInterface eni, ImmutableArray<GroupRef> groups)
    {
        eni.Groups.Clear();
        eni.GroupsKnown = true;
        foreach (GroupRef g in groups)
        {
            NoteGroupName(g);
            eni.Groups.Add(g.GroupId);
            MutableGroup record = Group(g.GroupId);
            record.EverOnInterface = true;
            record.AttachEvidence = true;
        }

        _dirtyInterfaces.Add(eni);
    }

    private void AddAddress(MutableInterface eni, string ip)
    {
        if (!IpAddr.TryParse(ip, out IpAddr address) || eni.Addresses.ContainsKey(address))
        {
            return;
        }

        // An address moves within a VPC: whoever there held it loses it now. Private ranges repeat across VPCs (and
        // accounts), so a holder in another VPC keeps it; when either VPC is unknown, assume the same VPC.
        if (_addresses.TryGetValue(address, out var owners))
        {
            foreach ((long _, long to, string holderId) in owners.Where(o => o.To == long.MaxValue).ToList())
            {
                MutableInterface holder = Interface(holderId);
                if (holder != eni && (holder.VpcId is null || eni.VpcId is null || holder.VpcId == eni.VpcId))
                {
                    RemoveAddress(holder, address);
                }
            }
        }

        eni.Addresses[address] = _now;
        if (!_addresses.TryGetValue(address, out owners))
        {
            owners = [];
            _addresses[address] = owners;
        }

        owners.Add((_now, long.MaxValue, eni.Id));
        _dirtyInterfaces.Add(eni);
    }

    private void RemoveAddress(MutableInterface eni, IpAddr address)
    {
        if (!eni.Addresses.Remove(address))
        {
            return;
        }

        if (_addresses.TryGetValue(address, out var owners))
        {
            for (int i = owners.Count - 1; i >= 0; i--)
            {
                if (owners[i].Interface == eni.Id && owners[i].To == long.MaxValue)
                {
                    owners[i] = (owners[i].From, _now, eni.Id);
                    break;
                }
            }
        }

        _dirtyInterfaces.Add(eni);
    }

    private void AddPrefix(MutableInterface eni, string text)
    {
        if (!IpNetwork.TryParse(text, out IpNetwork prefix) || eni.Prefixes.ContainsKey(prefix))
        {
            return;
        }

        // A prefix moves like an address: within its VPC, whoever held it loses it now.
        foreach ((long _, long to, IpNetwork held, string holderId) in _prefixes.Where(o => o.To == long.MaxValue && o.Prefix == prefix).ToList())
        {
            MutableInterface holder = Interface(holderId);
            if (holder != eni && (holder.VpcId is null || eni.VpcId is null || holder.VpcId == eni.VpcId))
            {
                RemovePrefix(holder, held);
            }
        }

        eni.Prefixes[prefix] = _now;
        _prefixes.Add((_now, long.MaxValue, prefix, eni.Id));
        _dirtyInterfaces.Add(eni);
    }

    private void RemovePrefix(MutableInterface eni, IpNetwork prefix)
    {
        if (!eni.Prefixes.Remove(prefix))
        {
            return;
        }

        for (int i = _prefixes.Count - 1; i >= 0; i--)
        {
            if (_prefixes[i].Interface == eni.Id && _prefixes[i].Prefix == prefix && _prefixes[i].To == long.MaxValue)
            {
                _prefixes[i] = _prefixes[i] with { To = _now };
                break;
            }
        }

        _dirtyInterfaces.Add(eni);
    }
}
