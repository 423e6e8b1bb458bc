using FlowCorrelator.Cli;

namespace FlowCorrelator.Tests.Cli;

public sealed class StrictModeTests
{
    [TestCase("flows")]
    [TestCase("investigate")]
    public void Strict_MalformedFlowLine_ExitsOneWithThePositionAndNoStackTrace(string command)
    {
        string dir = Path.Combine(Path.GetTempPath(), "fc-strict-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.log"),
                "2 123456789010 eni-0a 10.0.0.1 10.0.0.2 1 22 6 1 40 1418530010 1418530070 ACCEPT OK\n" +
                "2 123456789010 eni-0a 10.0.0.1 10.0.0.2 1 99999 6 1 40 1418530010 1418530070 ACCEPT OK\n");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int exit = CliApp.RunAsync([command, dir, "--strict"], stdout, stderr).GetAwaiter().GetResult();

            Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
            Assert.That(stderr.ToString(), Does.Contain("a.log:2").And.Contain("OutOfRange"));
            Assert.That(stderr.ToString(), Does.Not.Contain("   at "));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
