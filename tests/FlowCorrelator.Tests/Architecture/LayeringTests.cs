using System.Reflection;
using FlowCorrelator.Index;
using NetArchTest.Rules;

namespace FlowCorrelator.Tests.Architecture;

/// <summary>
/// Keeps the library's layers pointing one way, as docs/architecture.md draws them:
/// Model ← Ingest ← Index ← Queries ← Reporting / Export ← Workspace (the root namespace).
/// The check reads the compiled assembly's type references (method bodies included), so a fully qualified name or a
/// <c>global using</c> cannot hide an arrow back.
/// </summary>
[TestFixture]
public sealed class LayeringTests
{
    private static readonly Assembly Library = typeof(EnvironmentIndex).Assembly;

    /// <summary>Each layer, bottom first, with the namespaces it must never use.</summary>
    private static IEnumerable<TestCaseData> Layers()
    {
        string[] order = ["Model", "Ingest", "Index", "Queries"];
        for (int i = 0; i < order.Length; i++)
        {
            List<string> above = [.. order.Skip(i + 1).Select(n => "FlowCorrelator." + n), "FlowCorrelator.Reporting", "FlowCorrelator.Export"];
            yield return new TestCaseData("FlowCorrelator." + order[i], above.ToArray()).SetName($"Layer_{order[i]}_UsesNothingAboveIt");
        }

        // Ad-hoc queries sit inside Queries: they use the enriched record, never the five questions' output or the root.
        yield return new TestCaseData("FlowCorrelator.Queries.AdHoc", new[] { "FlowCorrelator.Reporting", "FlowCorrelator.Export" }).SetName("Layer_QueriesAdHoc_UsesNothingAboveIt");
        yield return new TestCaseData("FlowCorrelator.Reporting", new[] { "FlowCorrelator.Export" }).SetName("Layer_Reporting_DoesNotUseExport");
        yield return new TestCaseData("FlowCorrelator.Export", new[] { "FlowCorrelator.Reporting" }).SetName("Layer_Export_DoesNotUseReporting");
    }

    [TestCaseSource(nameof(Layers))]
    public void Layer_UsesNoNamespaceAboveIt(string layer, string[] forbidden)
    {
        // The root namespace (Workspace and its options) is the top of the library: nothing below may use it either.
        string[] rootTypes = RootTypes();
        TestResult result = Types.InAssembly(Library)
            .That().ResideInNamespace(layer)
            .ShouldNot().HaveDependencyOnAny([.. forbidden, .. rootTypes])
            .GetResult();

        Assert.That(result.FailingTypeNames ?? [], Is.Empty,
            $"{layer} must not use {string.Join(", ", forbidden)} or the root namespace (Workspace); see docs/architecture.md.");
    }

    [Test]
    public void Layers_CoverEveryNamespaceOfTheLibrary()
    {
        // A new namespace must be given its place in the map (and in Layers()) before it can be used.
        string[] known = ["FlowCorrelator", "FlowCorrelator.Model", "FlowCorrelator.Ingest", "FlowCorrelator.Index",
            "FlowCorrelator.Queries", "FlowCorrelator.Queries.AdHoc", "FlowCorrelator.Reporting", "FlowCorrelator.Export"];
        string[] namespaces = [.. Library.GetTypes()
            .Select(t => t.Namespace ?? "")
            .Where(n => n.Length > 0 && !n.StartsWith("System", StringComparison.Ordinal) && !n.StartsWith("Microsoft", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal)];

        Assert.That(namespaces, Is.SubsetOf(known));
    }

    [Test]
    public void DependencyCheck_SeesAnArrowThatExists()
    {
        // The control: Queries does use Index (it answers from it). If the checker stopped seeing type references,
        // every layer test above would pass vacuously; this one would then fail.
        TestResult result = Types.InAssembly(Library)
            .That().ResideInNamespace("FlowCorrelator.Queries")
            .ShouldNot().HaveDependencyOn("FlowCorrelator.Index")
            .GetResult();

        Assert.That(result.IsSuccessful, Is.False);
    }

    [Test]
    public void DependencyCheck_SeesAFullyQualifiedReferenceToTheRoot()
    {
        // Workspace uses Queries; the reverse arrow check must be able to see root types by full name.
        Assert.That(RootTypes(), Does.Contain("FlowCorrelator.Workspace"));
        TestResult result = Types.InAssembly(Library)
            .That().HaveNameStartingWith("Workspace")
            .ShouldNot().HaveDependencyOn("FlowCorrelator.Queries")
            .GetResult();

        Assert.That(result.IsSuccessful, Is.False);
    }

    private static string[] RootTypes() =>
        [.. Library.GetTypes()
            .Where(t => t.Namespace == "FlowCorrelator" && !t.IsNested && !t.Name.StartsWith('<'))
            .Select(t => t.FullName!)];
}
