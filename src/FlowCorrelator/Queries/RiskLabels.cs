using System.Collections.Immutable;

namespace FlowCorrelator.Queries;

/// <summary>Risk labels for an ingress rule (docs/semantics.md, question 2).</summary>
public static class RiskLabels
{
    /// <summary>Ports whose exposure is an administrative or data-store risk.</summary>
    public static ImmutableArray<int> AdminPorts { get; } = [22, 23, 135, 139, 445, 1433, 1521, 2049, 3306, 3389, 5432, 5439, 5900, 5985, 5986, 6379, 9200, 11211, 27017];

    /// <summary>Labels in contract order: open-to-world, all-protocols, admin-port:N ascending.</summary>
    public static ImmutableArray<string> For(SecurityGroupRuleSpec rule, bool opensToWorld)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var labels = new List<string>();
        if (opensToWorld)
        {
            labels.Add("open-to-world");
        }

        if (rule.Protocol == -1)
        {
            labels.Add("all-protocols");
        }
        else if (rule.Protocol is 6 or 17)
        {
            int from = rule.FromPort is null or < 0 ? 0 : rule.FromPort.Value;
            int to = rule.ToPort is null or < 0 ? 65535 : rule.ToPort.Value;
            foreach (int port in AdminPorts)
            {
                if (port >= from && port <= to)
                {
                    labels.Add($"admin-port:{port}");
                }
            }
        }

        return [.. labels];
    }
}
