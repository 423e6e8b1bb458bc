using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.TestData;

/// <summary>Loads a workspace from CloudTrail text (and optionally a describe-* snapshot) written to a temporary folder.</summary>
internal static class TrailFolder
{
    /// <summary>The trail is written as <c>trail.json</c> (problems are reported against that name), the snapshot as <c>describe.json</c>.</summary>
    public static Workspace Load(string trail, string? snapshot = null, ReaderOptions? reader = null)
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-trail-").FullName;
        try
        {
            if (snapshot is not null)
            {
                File.WriteAllText(Path.Combine(dir, "describe.json"), snapshot);
            }

            File.WriteAllText(Path.Combine(dir, "trail.json"), trail);
            return Workspace.Load([dir], WorkspaceOptions.Default with { WarmUp = false, Reader = reader ?? ReaderOptions.Default });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
