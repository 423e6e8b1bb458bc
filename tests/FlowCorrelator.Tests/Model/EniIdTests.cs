using System.Text;

namespace FlowCorrelator.Tests.Model;

/// <summary>Interface ids: the vector path for <c>eni-</c> + 17 hex digits must give the value the digit loop gives.</summary>
public sealed class EniIdTests
{
    [Test]
    public void FromUtf8_SeventeenHexDigits_RoundTripsLowerCasedThroughToString()
    {
        var random = new Random(11);
        for (int i = 0; i < 5000; i++)
        {
            string id = "eni-" + new string([.. Enumerable.Range(0, 17).Select(_ => "0123456789abcdefABCDEF"[random.Next(22)])]);
            EniId parsed = EniId.FromUtf8(Encoding.ASCII.GetBytes(id));
            Assert.That(parsed.ToString(), Is.EqualTo(id.ToLowerInvariant()), id);
        }
    }

    [Test]
    public void FromUtf8_SeventeenDigits_EdgeValuesRoundTripAndCaseIsFolded()
    {
        foreach (string hex in new[] { "00000000000000000", "fffffffffffffffff", "0123456789abcdef0", "f0000000000000001", "a5a5a5a5a5a5a5a5a" })
        {
            Assert.That(EniId.FromUtf8(Encoding.ASCII.GetBytes("eni-" + hex)).ToString(), Is.EqualTo("eni-" + hex));
            Assert.That(EniId.FromUtf8(Encoding.ASCII.GetBytes("eni-" + hex.ToUpperInvariant())), Is.EqualTo(EniId.FromUtf8(Encoding.ASCII.GetBytes("eni-" + hex))));
        }
    }

    [TestCase("eni-0123456789abcdefg")]
    [TestCase("eni-0123456789abcde/0")]
    [TestCase("eni-0123456789abcde:0")]
    [TestCase("eni-0123456789abcde`0")]
    [TestCase("eni-0123456789abcde@0")]
    [TestCase("eni-g123456789abcdef0")]
    [TestCase("enx-0123456789abcdef0")]
    public void FromUtf8_NotHex_IsKeptAsTheExactText(string text)
    {
        EniId parsed = EniId.FromUtf8(Encoding.ASCII.GetBytes(text));
        Assert.That(parsed.ToString(), Is.EqualTo(text));
        Assert.That(parsed, Is.Not.EqualTo(EniId.FromUtf8(Encoding.ASCII.GetBytes("eni-0123456789abcdef0"))));
    }
}
