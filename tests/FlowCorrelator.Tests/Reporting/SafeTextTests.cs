using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

public sealed class SafeTextTests
{
    [TestCase("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")")]
    [TestCase("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [TestCase("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0")]
    [TestCase("@SUM(1+1)", "'@SUM(1+1)")]
    [TestCase("\tfoo", "'\tfoo")]
    [TestCase("\rfoo", "'\rfoo")]
    [TestCase("-1", "-1")]
    [TestCase("-12.5", "-12.5")]
    [TestCase("+443", "+443")]
    [TestCase("sg-0123", "sg-0123")]
    [TestCase("", "")]
    public void ForCsv_FormulaPrefixes_AreNeutralisedButNumbersKept(string input, string expected) =>
        Assert.That(SafeText.ForCsv(input), Is.EqualTo(expected));

    [Test]
    public void ForTerminal_AnsiAndOscSequences_AreRemoved()
    {
        string hostile = "arn:aws:iam::1:role/\u001b[2J\u001b[31mred\u001b]0;pwned title\u0007x\u009b31m";
        string safe = SafeText.ForTerminal(hostile);

        Assert.That(safe, Does.Not.Contain("\u001b"));
        Assert.That(safe, Does.Not.Contain("\u0007"));
        Assert.That(safe, Does.Not.Contain("\u009b"));
        Assert.That(safe, Does.Contain("red"));
        Assert.That(safe, Does.Not.Contain("pwned title"), "the OSC payload is dropped with its sequence");
    }

    [Test]
    public void ForTerminal_NewlinesAndBidiOverrides_AreEscaped()
    {
        string safe = SafeText.ForTerminal("a\nb\u202Ec\r");
        Assert.That(safe, Is.EqualTo("a\\x0Ab\\u{202E}c\\x0D"));
    }

    [Test]
    public void ForMarkdown_PipesAndHtml_AreEscaped() =>
        Assert.That(SafeText.ForMarkdown("a|b<script>`x`"), Is.EqualTo("a\\|b&lt;script&gt;\\`x\\`"));
}
