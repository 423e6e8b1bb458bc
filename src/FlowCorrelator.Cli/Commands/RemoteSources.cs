using System.CommandLine;
using FlowCorrelator.Aws;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli.Commands;

/// <summary>Options and providers for non-local sources (s3://).</summary>
/// <remarks>
/// <c>--region</c> is where the S3 client connects; <c>--region-filter</c> (in <see cref="SourceOptions"/>) prunes
/// which log regions are listed. Credentials are never options: they come from the AWS chain or <c>--profile</c>.
/// </remarks>
internal static class RemoteSources
{
    private const string ProfileName = "--profile";
    private const string RegionName = "--region";
    private const string EndpointName = "--endpoint-url";

    public static void AddOptions(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(new Option<string?>(ProfileName)
        {
            Description = "AWS profile from the shared config/credentials files (default: the AWS credential chain).",
        });
        command.Options.Add(new Option<string?>(RegionName)
        {
            Description = "AWS region of the S3 client (default: the AWS region chain; us-east-1 with --endpoint-url).",
        });
        command.Options.Add(new Option<string?>(EndpointName)
        {
            Description = "Endpoint of an S3-compatible store, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS). Uses path-style addressing.",
        });
    }

    public static IEnumerable<IRemoteLogSource> Create(ParseResult parse) => [CreateS3(parse)];

    /// <summary>The S3 source the command line asks for; the client is created lazily, on the first s3:// listing.</summary>
    public static S3LogSource CreateS3(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string? endpoint = parse.GetValue<string?>(EndpointName);
        Uri? endpointUri = null;
        if (!string.IsNullOrWhiteSpace(endpoint) && !Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out endpointUri))
        {
            throw new UsageException($"{EndpointName}: '{endpoint}' is not an absolute URL.");
        }

        var options = S3SourceOptions.Default with
        {
            Profile = NullIfBlank(parse.GetValue<string?>(ProfileName)),
            Region = NullIfBlank(parse.GetValue<string?>(RegionName)),
            EndpointUrl = endpointUri,
        };
        try
        {
            return new S3LogSource(options);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
