using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>The field readers of the default-v2 fast path must give exactly what the general readers give.</summary>
public sealed class FlowLineParserTests
{
    /// <summary>
    /// Both IPv4 field readers (the x86 shuffle, and the octet loads other CPUs such as ARM take) against
    /// <see cref="IpAddr.TryParseV4"/>, on dotted strings with every octet length, leading zeros, values above 255 and
    /// characters next to the digit range, placed after 8 bytes of other text and followed by more.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void TryV4InBuffer_EitherPath_AgreesWithTheGeneralIpv4Reader(bool shuffle)
    {
        string[] octets = ["0", "00", "01", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "999", "1000", "", "/", ":", "1/", "9:"];
        var random = new Random(shuffle ? 21 : 22);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int count = random.Next(100) < 80 ? 4 : random.Next(2, 7);
            string text = string.Join('.', Enumerable.Range(0, count).Select(_ => random.Next(3) == 0 ? octets[random.Next(octets.Length)] : random.Next(256).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            byte[] buffer = Encoding.ASCII.GetBytes("2 111 eni " + text + " 10.0.0.1 443 22 6 1 40 1700000000");
            bool general = IpAddr.TryParseV4(Encoding.ASCII.GetBytes(text), out uint expected);
            bool fast = SimdFieldReader.TryV4InBuffer(buffer, 10, 10 + text.Length, shuffle, out uint actual);
            Assert.That(fast, Is.EqualTo(general), text);
            if (fast)
            {
                accepted++;
                Assert.That(actual, Is.EqualTo(expected), text);
            }
        }

        Assert.That(accepted, Is.GreaterThan(5_000), "most generated addresses must be valid");
    }

    /// <summary>Both readers of numbers of 9–16 digits (one vector on x86, two 8-digit loads elsewhere), and the 1–8 digit one.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void SwarDigits_EitherPath_AgreesWithLongParse(bool vector)
    {
        var random = new Random(vector ? 31 : 32);
        for (int i = 0; i < 20_000; i++)
        {
            char[] digits = [.. Enumerable.Range(0, random.Next(1, 19)).Select(_ => (char)('0' + random.Next(10)))];
            if (random.Next(4) == 0)
            {
                digits[random.Next(digits.Length)] = "/:a -"[random.Next(5)];
            }

            string text = new(digits);
            byte[] buffer = Encoding.ASCII.GetBytes("2 111 eni " + text + " 443 22");
            bool general = text.All(char.IsAsciiDigit);
            bool fast = SimdFieldReader.SwarDigits(buffer, 10, 10 + text.Length, vector, out ulong actual);
            Assert.That(fast, Is.EqualTo(general), text);
            if (fast)
            {
                Assert.That(actual, Is.EqualTo(ulong.Parse(text, System.Globalization.CultureInfo.InvariantCulture)), text);
            }
        }
    }
}
