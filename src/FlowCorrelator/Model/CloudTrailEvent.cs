namespace FlowCorrelator.Model;

/// <summary>
/// One CloudTrail record, reduced to what the engine uses: identity, time, actor, outcome, and — for the EC2 calls
/// that change instances, interfaces, addresses, tags or security groups — a typed <see cref="Change"/>.
/// </summary>
public sealed record CloudTrailEvent
{
    /// <summary><c>eventID</c> (the de-duplication key).</summary>
    public required string EventId { get; init; }

    /// <summary><c>eventTime</c>, UTC.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>eventName</c> (empty for Insights events).</summary>
    public required string EventName { get; init; }

    /// <summary><c>eventSource</c>, e.g. <c>ec2.amazonaws.com</c>.</summary>
    public string? EventSource { get; init; }

    /// <summary><c>eventVersion</c>.</summary>
    public string? EventVersion { get; init; }

    /// <summary><c>awsRegion</c>.</summary>
    public string? Region { get; init; }

    /// <summary><c>recipientAccountId</c>, else <c>userIdentity.accountId</c>.</summary>
    public string? AccountId { get; init; }

    /// <summary><c>userIdentity.arn</c>, else the session issuer's ARN, else <c>invokedBy</c>.</summary>
    public string? ActorArn { get; init; }

    /// <summary><c>sourceIPAddress</c> (an address or a service name).</summary>
    public string? SourceIp { get; init; }

    /// <summary><c>userAgent</c>.</summary>
    public string? UserAgent { get; init; }

    /// <summary><c>errorCode</c>; set for failed and dry-run calls, which change nothing.</summary>
    public string? ErrorCode { get; init; }

    /// <summary><c>errorMessage</c>.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The typed change for successful calls the index understands; <c>null</c> otherwise.</summary>
    public Ec2Change? Change { get; init; }

    /// <summary>Where the record came from (file path or URI).</summary>
    public string? SourceFile { get; init; }

    /// <summary>True when the call succeeded (no error code).</summary>
    public bool Succeeded => ErrorCode is null;
}
