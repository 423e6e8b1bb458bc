using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary>Builds the HTML report's input from a run and writes it (<c>--format html</c>, <c>--report FILE</c>, <c>demo</c>).</summary>
internal static class HtmlReportOutput
{
    public static HtmlReportInput Input(InvestigationResult result, IReadOnlyList<Question> questions, Workspace workspace, IReadOnlyList<string> sources, IReadOnlyList<EvidenceGap> gaps)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Index.GroupRecord g in workspace.Index.Groups)
        {
            if (g.GroupName is { } name)
            {
                names.TryAdd(g.GroupId, name);
            }
        }

        return new HtmlReportInput
        {
            Result = result,
            Questions = questions,
            Diagnostics = workspace.Diagnostics,
            Trail = workspace.TrailStatistics,
            GroupNames = names,
            GeneratedAt = DateTimeOffset.UtcNow,
            Sources = sources,
            Gaps = gaps,
        };
    }

    /// <summary>Writes the report to a file (folders created), UTF-8 without BOM.</summary>
    public static void WriteFile(string path, HtmlReportInput input)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        using var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
        HtmlReport.Write(file, input);
    }
}
