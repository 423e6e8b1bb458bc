using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// The inflater a test runs under. Reader tests that inflate run once per inflater (fixture or test-case argument);
/// <c>FLOWCORRELATOR_INFLATER=managed</c> forces every one of them onto the managed inflater (CI's run "as if libdeflate
/// were absent"), and <c>FLOWCORRELATOR_REQUIRE_LIBDEFLATE=1</c> (CI) makes a missing libdeflate a failure, not a skip.
/// </summary>
internal static class TestInflaters
{
    /// <summary>The run forces the managed inflater everywhere.</summary>
    public static bool ManagedForced => string.Equals(Environment.GetEnvironmentVariable("FLOWCORRELATOR_INFLATER"), "managed", StringComparison.OrdinalIgnoreCase);

    /// <summary>libdeflate must be found (CI installs it).</summary>
    public static bool NativeRequired => Environment.GetEnvironmentVariable("FLOWCORRELATOR_REQUIRE_LIBDEFLATE") == "1";

    /// <summary>
    /// The inflater to use for <paramref name="requested"/>: managed when forced; native only where libdeflate is
    /// installed (else the test is skipped, or fails when it is required).
    /// </summary>
    public static Inflater Resolve(Inflater requested)
    {
        if (ManagedForced)
        {
            return Inflater.Managed;
        }

        if (requested == Inflater.Native && !ReaderOptions.NativeInflaterAvailable)
        {
            if (NativeRequired)
            {
                Assert.Fail("libdeflate is required here (FLOWCORRELATOR_REQUIRE_LIBDEFLATE=1) and was not found (apt-get install libdeflate0)");
            }

            Assert.Ignore("libdeflate is not installed on this machine");
        }

        return requested;
    }

    /// <summary><paramref name="options"/> (or the defaults) with the inflater for <paramref name="requested"/>.</summary>
    public static ReaderOptions With(ReaderOptions? options, Inflater requested) => (options ?? ReaderOptions.Default) with { Inflater = Resolve(requested) };
}
