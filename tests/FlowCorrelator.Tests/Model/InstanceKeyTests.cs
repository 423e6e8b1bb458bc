using System.Text;

namespace FlowCorrelator.Tests.Model;

/// <summary>Instance ids share EniId's packing (PackedHexId): same round trips, both id lengths, odd ids kept as text.</summary>
public sealed class InstanceKeyTests
{
    [Test]
    public void FromUtf8_SeventeenAndEightHexDigits_RoundTripLowerCased()
    {
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            int digits = i % 2 == 0 ? 17 : 8;
            string id = "i-" + new string([.. Enumerable.Range(0, digits).Select(_ => "0123456789abcdefABCDEF"[random.Next(22)])]);
            InstanceKey key = InstanceKey.FromUtf8(Encoding.ASCII.GetBytes(id));
            Assert.That(key.ToString(), Is.EqualTo(id.ToLowerInvariant()), id);
            Assert.That(key, Is.EqualTo(InstanceKey.Parse(id.ToLowerInvariant())));
        }
    }

    [Test]
    public void InstanceAndInterfaceWithTheSameDigits_AreDifferentTypesButTheSamePacking() =>
        Assert.That(InstanceKey.Parse("i-0123456789abcdef0").ToString().Replace("i-", "eni-", StringComparison.Ordinal),
            Is.EqualTo(EniId.Parse("eni-0123456789abcdef0").ToString()));

    [TestCase("-")]
    [TestCase("")]
    public void Dash_AndEmpty_AreNone(string text)
    {
        Assert.That(InstanceKey.FromUtf8(Encoding.ASCII.GetBytes(text)), Is.EqualTo(InstanceKey.None));
        Assert.That(InstanceKey.None.HasValue, Is.False);
        Assert.That(InstanceKey.None.ToString(), Is.EqualTo("-"));
    }

    [TestCase("i-0123456789abcdefg")]
    [TestCase("i-")]
    [TestCase("mi-0123456789abcdef0")]
    [TestCase("i-0123456789abcdef0123456789abcdef")]
    public void NotAnInstanceIdShape_IsKeptAsTheExactText(string text)
    {
        InstanceKey key = InstanceKey.FromUtf8(Encoding.ASCII.GetBytes(text));
        Assert.That(key.HasValue, Is.True);
        Assert.That(key.ToString(), Is.EqualTo(text));
        Assert.That(key, Is.EqualTo(InstanceKey.Parse(text)));
    }

    [Test]
    public void FlowTagValue_EqualTextsEqualNumbers_DashIsNone()
    {
        Assert.That(FlowTagValue.FromUtf8("payment"u8), Is.EqualTo(FlowTagValue.Of("payment")));
        Assert.That(FlowTagValue.FromUtf8("payment"u8), Is.Not.EqualTo(FlowTagValue.Of("Payment")));
        Assert.That(FlowTagValue.FromUtf8("-"u8), Is.EqualTo(FlowTagValue.None));
        Assert.That(FlowTagValue.Of("caf\u00e9").ToString(), Is.EqualTo("caf\u00e9"));
        FlowTagValue unreadable = FlowTagValue.Unreadable;
        Assert.That(unreadable == FlowTagValue.Unreadable, Is.False, "a value past the cap equals nothing, itself included");
    }
}
