using System.Collections.Frozen;

namespace FlowCorrelator.Index;

/// <summary>
/// What the evidence says of one instance during one stretch of time, whether or not it linked the instance to an
/// interface: running or not, and its tags. Used for flow records attributed by their own <c>instance-id</c>
/// (docs/semantics.md, "The flow record as evidence"). Immutable.
/// </summary>
public sealed class InstanceState
{
    internal InstanceState(string instanceId, bool running, bool runningKnown, FrozenDictionary<string, string> tags)
    {
        InstanceId = instanceId;
        Running = running;
        RunningKnown = runningKnown;
        Tags = tags;
    }

    /// <summary>Instance id.</summary>
    public string InstanceId { get; }

    /// <summary>Running, as far as the evidence says (false when it never said: see <see cref="RunningKnown"/>).</summary>
    public bool Running { get; }

    /// <summary>
    /// The evidence stated the running state (a launch, start, stop, termination, snapshot or Config item); an instance
    /// met only in CreateTags has none.
    /// </summary>
    public bool RunningKnown { get; }

    /// <summary>Tags at the time (empty when the evidence stated none).</summary>
    public FrozenDictionary<string, string> Tags { get; }

    /// <summary>Same running state and tags (a change that altered neither adds no new state).</summary>
    internal bool SameAs(InstanceState other) =>
        Running == other.Running && RunningKnown == other.RunningKnown && Tags.Count == other.Tags.Count &&
        Tags.All(kv => other.Tags.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}
