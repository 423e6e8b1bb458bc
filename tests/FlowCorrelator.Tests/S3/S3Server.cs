using System.ComponentModel;
using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace FlowCorrelator.Tests.S3;

/// <summary>
/// Runs a real S3-compatible server (s3rver, from server/package.json) on 127.0.0.1 for every test in this namespace.
/// Without node/npm the tests are ignored, unless FLOWCORRELATOR_REQUIRE_S3=1 (CI), where that is a failure.
/// </summary>
[SetUpFixture]
public sealed class S3Server
{
    public const string AccessKey = "S3RVER"; // s3rver's built-in test account; not a secret
    public const string SecretKey = "S3RVER";
    private static readonly Lock s_gate = new();
    private static Process? s_process;
    private static string s_serverDir = string.Empty;

    public static int Port { get; private set; }

    public static string DataDirectory { get; private set; } = string.Empty;

    public static string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>A shared credentials file with a good profile ("s3rver") and a bad one ("wrong").</summary>
    public static string CredentialsFile { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public void Start()
    {
        s_serverDir = FindServerDirectory();
        bool required = Environment.GetEnvironmentVariable("FLOWCORRELATOR_REQUIRE_S3") == "1";
        try
        {
            if (!Directory.Exists(Path.Combine(s_serverDir, "node_modules", "s3rver")))
            {
                Run("npm", "ci --no-audit --no-fund", TimeSpan.FromMinutes(5));
            }
        }
        catch (Win32Exception ex)
        {
            string message = $"S3 tests need Node.js and npm on PATH ({ex.Message}).";
            if (required)
            {
                Assert.Fail(message + " FLOWCORRELATOR_REQUIRE_S3=1 makes this a failure.");
            }

            Assert.Ignore(message + " Set FLOWCORRELATOR_REQUIRE_S3=1 to fail instead.");
        }

        DataDirectory = Directory.CreateTempSubdirectory("fc-s3rver-").FullName;
        string profiles = Directory.CreateTempSubdirectory("fc-aws-").FullName;
        CredentialsFile = Path.Combine(profiles, "credentials");
        File.WriteAllText(CredentialsFile, $"[s3rver]\naws_access_key_id = {AccessKey}\naws_secret_access_key = {SecretKey}\n\n[wrong]\naws_access_key_id = NOTAKNOWNKEY\naws_secret_access_key = not-the-secret\n");
        File.WriteAllText(Path.Combine(profiles, "config"), string.Empty);
        // Process-wide, and only ever pointing at test files: no real profile or instance metadata is consulted.
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", CredentialsFile);
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(profiles, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Launch(0);
    }

    [OneTimeTearDown]
    public void Stop()
    {
        Kill();
        TryDelete(DataDirectory);
        if (CredentialsFile.Length > 0)
        {
            TryDelete(Path.GetDirectoryName(CredentialsFile)!);
        }
    }

    /// <summary>Stops the server abruptly (open connections are reset).</summary>
    public static void Kill()
    {
        lock (s_gate)
        {
            if (s_process is { } p)
            {
                try
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(10_000);
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }

                p.Dispose();
                s_process = null;
            }
        }
    }

    /// <summary>Starts the server again on the same port and data directory.</summary>
    public static void Restart() => Launch(Port);

    public static AmazonS3Client Client(HttpClientFactory? factory = null, string accessKey = AccessKey, string secretKey = SecretKey)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            // s3rver predates the flexible-checksum trailers the SDK sends by default.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (factory is not null)
        {
            config.HttpClientFactory = factory;
        }

        return new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config);
    }

    public static async Task CreateBucketAsync(string bucket)
    {
        using AmazonS3Client client = Client();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
    }

    public static async Task PutAsync(string bucket, string key, byte[] bytes)
    {
        using AmazonS3Client client = Client();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false, AutoCloseStream = true });
    }

    private static void Launch(int port)
    {
        lock (s_gate)
        {
            var info = new ProcessStartInfo("node")
            {
                WorkingDirectory = s_serverDir,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(s_serverDir, "server.js"));
            info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(DataDirectory);
            Process p = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
            Task<string?> line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } ready || !ready.StartsWith("READY ", StringComparison.Ordinal))
            {
                string err = p.HasExited ? p.StandardError.ReadToEnd() : "no READY line in 30 s";
                p.Kill(entireProcessTree: true);
                throw new InvalidOperationException("s3rver did not start: " + err);
            }

            Port = int.Parse(ready.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture);
            s_process = p;
        }
    }

    private static void Run(string file, string arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file, arguments) { WorkingDirectory = s_serverDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process p = Process.Start(info) ?? throw new InvalidOperationException(file + " did not start");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} timed out");
        }

        if (p.ExitCode != 0)
        {
            Assert.Fail($"{file} {arguments} failed ({p.ExitCode}): {stdout.Result} {stderr.Result}");
        }
    }

    private static string FindServerDirectory()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "FlowCorrelator.Tests", "S3", "server");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/FlowCorrelator.Tests/S3/server/package.json not found above " + AppContext.BaseDirectory);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (directory.Length > 0 && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
