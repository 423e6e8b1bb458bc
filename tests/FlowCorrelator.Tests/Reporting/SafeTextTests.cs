using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

public sealed class SafeTextTests
{
    [TestCase("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")")]
    [TestCase("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [TestCase("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0")]
    [TestCase("@SUM(1+1)", "'@SUM(1+1)")]
    [TestCase("\tfoo", "'\tfoo")]
    [TestCase("\rfoo", "\\x0dfoo")]
    [TestCase("-1", "-1")]
    [TestCase("-12.5", "-12.5")]
    [TestCase("+443", "+443")]
    [TestCase("sg-0123", "sg-0123")]
    [TestCase("", "")]
    public void ForCsv_FormulaPrefixes_AreNeutralisedButNumbersKept(string input, string expected) =>
        Assert.That(SafeText.ForCsv(input), Is.EqualTo(expected));

    [Test]
    public void ForCsv_ControlsAndBidi_AreShownButTabIsKept() =>
        Assert.That(SafeText.ForCsv("a\tb\u001b]0;pwned\u0007\nc\u202Ed"), Is.EqualTo("a\tb\\x1b]0;pwned\\x07\\x0ac\\u202ed"));

    [Test]
    public void ForDisplay_AnsiAndOscSequences_AreShownNotObeyed()
    {
        string hostile = "arn:aws:iam::1:role/\u001b[2J\u001b[31mred\u001b]0;pwned title\u0007x\u009b31m";
        string safe = SafeText.ForDisplay(hostile);

        Assert.That(safe, Is.EqualTo("arn:aws:iam::1:role/\\x1b[2J\\x1b[31mred\\x1b]0;pwned title\\x07x\\x9b31m"),
            "every control becomes a visible escape; the payload stays readable for the responder");
    }

    [Test]
    public void ForDisplay_NewlinesTabsAndBidiControls_AreEscaped() =>
        Assert.That(SafeText.ForDisplay("a\nb\u202Ec\r\td\u2066e\u200Ff\u061Cg\u007F"), Is.EqualTo("a\\x0ab\\u202ec\\x0d\\x09d\\u2066e\\u200ff\\u061cg\\x7f"));

    [Test]
    public void ForDisplay_EveryNeutralisedCharacter_LeavesNoRawOne()
    {
        // The whole ranges the issue names: C0, DEL, C1 and every bidi control.
        IEnumerable<int> hostile = Enumerable.Range(0, 0x20).Concat([0x7F]).Concat(Enumerable.Range(0x80, 0x20))
            .Concat(Enumerable.Range(0x202A, 5)).Concat(Enumerable.Range(0x2066, 4)).Concat([0x200E, 0x200F, 0x061C]);
        foreach (int cp in hostile)
        {
            string text = "x" + (char)cp + "y";
            Assert.That(SafeText.IsNeutralised((char)cp), Is.True, $"U+{cp:X4}");
            Assert.That(SafeText.ForDisplay(text), Is.EqualTo("x" + (cp <= 0xFF ? $"\\x{cp:x2}" : $"\\u{cp:x4}") + "y"), $"U+{cp:X4}");
            Assert.That(SafeText.ForMarkdown(text), Does.Not.Contain(((char)cp).ToString()), $"U+{cp:X4}");
            Assert.That(SafeText.ForCsv(text), cp == '\t' ? Is.EqualTo(text) : Does.Not.Contain(((char)cp).ToString()), $"U+{cp:X4}");
        }
    }

    [TestCase("plain ascii")]
    [TestCase("Zürich – 東京 – émoji 🎉")]
    [TestCase("\u200D joiner and \u00A0 nbsp are not controls")]
    public void ForDisplay_OrdinaryText_IsUnchanged(string text) =>
        Assert.That(SafeText.ForDisplay(text), Is.SameAs(text));

    [Test]
    public void ForMarkdown_PipesAndHtml_AreEscaped() =>
        Assert.That(SafeText.ForMarkdown("a|b<script>`x`"), Is.EqualTo("a\\|b&lt;script&gt;\\`x\\`"));
}
