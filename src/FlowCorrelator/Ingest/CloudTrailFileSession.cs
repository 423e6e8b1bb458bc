using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>
/// One CloudTrail file being read: the container walk (this file), cutting each value out of the window and
/// resynchronising after damage (<c>CloudTrailFileSession.Cutting.cs</c>), and turning a cut-out value into events
/// (<c>CloudTrailFileSession.Records.cs</c>). Created per file by <see cref="CloudTrailReader.Read"/>; not thread-safe.
/// </summary>
internal sealed partial class CloudTrailFileSession(ReaderOptions options, JsonWindow window, FileReport report, Action<CloudTrailEvent> onEvent, CancellationToken cancellationToken)
{
    // Nesting that the cutting reader tolerates: deeper than any record may be, so that a too-deep record is still
    // cut out whole and reported as TooDeep rather than breaking the surrounding container.
    private readonly int _cutDepth = Math.Max(options.MaxJsonDepth * 4, 256);
    private readonly List<string> _containers = [];
    private readonly ProblemSink _problems = new(report, options);
    private int _topLevelValues;

    /// <summary>Reads the file to its end: every top-level value, record list or JSON line, reporting what it cannot read.</summary>
    public void Run()
    {
        while (window.SkipWhitespace())
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte first = window.Available[0];
            if (first == (byte)'[')
            {
                SetContainer("array");
                window.Advance(1);
                _ = ReadArray();
            }
            else if (first == (byte)'{')
            {
                if (TryEnterRecordList())
                {
                    if (ReadArray())
                    {
                        ReadObjectTail();
                    }
                }
                else
                {
                    ReadTopLevelValue();
                }
            }
            else
            {
                Problem(window.Position, ProblemReason.InvalidJson, $"unexpected '{(char)first}' where a JSON object or array should start", window.Available);
                ResyncAtLine();
            }
        }

        if (report.Kind == LogFileKind.CloudTrailDigest)
        {
            SetContainer("digest");
        }

        if (_containers.Count > 0)
        {
            report.Format = $"{report.Format} ({string.Join(", ", _containers)})";
        }
    }

    private void SetContainer(string container)
    {
        if (!_containers.Contains(container))
        {
            _containers.Add(container);
        }
    }

    /// <summary>
    /// At a top-level <c>{</c>: when its first member is <c>"Records"</c> or <c>"Events"</c> holding an array, consumes
    /// up to the <c>[</c> so that the array can be streamed. Anything else is read as one value.
    /// </summary>
    private bool TryEnterRecordList()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(window.Available, window.Eof, default);
            try
            {
                if (reader.Read() && reader.Read())
                {
                    if (reader.TokenType != JsonTokenType.PropertyName)
                    {
                        return false;
                    }

                    string? name = reader.GetString();
                    if (name is not ("Records" or "Events"))
                    {
                        return false;
                    }

                    if (reader.Read())
                    {
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            return false;
                        }

                        SetContainer(name == "Records" ? "Records" : "lookup-events");
                        window.Advance((int)reader.BytesConsumed);
                        return true;
                    }
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return false; // the value reader reports it
            }

            if (!window.More())
            {
                return false; // the value reader reports a truncated or oversized head
            }
        }
    }

    /// <summary>
    /// Reads the elements of an array whose <c>[</c> was consumed, each as one record (or container of records).
    /// False when the data ended (or could not be resynchronised) before the closing <c>]</c>.
    /// </summary>
    private bool ReadArray()
    {
        bool expectElement = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!window.SkipWhitespace())
            {
                Problem(window.Position, ProblemReason.InvalidJson, "the data ends inside a record list (truncated file?)", default);
                return false;
            }

            byte b = window.Available[0];
            if (b == (byte)']')
            {
                window.Advance(1);
                return true;
            }

            if (!expectElement)
            {
                if (b != (byte)',')
                {
                    Problem(window.Position, ProblemReason.InvalidJson, $"expected ',' or ']' between records, found '{(char)b}'", window.Available);
                    if (!ResyncAtRecord())
                    {
                        return false;
                    }

                    expectElement = true;
                    continue;
                }

                window.Advance(1);
                expectElement = true;
                continue;
            }

            long offset = window.Position;
            switch (Capture(out int length, out string? error))
            {
                case CaptureStatus.Complete:
                    ProcessValue(length, offset);
                    window.Advance(length);
                    expectElement = false;
                    break;
                case CaptureStatus.TooDeep:
                    Problem(offset, ProblemReason.TooDeep, error ?? "nested too deeply", window.Available);
                    if (!SkipValue())
                    {
                        return false;
                    }

                    expectElement = false;
                    break;
                case CaptureStatus.TooLarge:
                    Problem(offset, ProblemReason.InvalidRecord, $"record larger than {options.MaxJsonRecordBytes} bytes", window.Available);
                    if (!SkipValue())
                    {
                        return false;
                    }

                    expectElement = false;
                    break;
                default:
                    Problem(offset, ProblemReason.InvalidJson, error ?? "invalid JSON", window.Available);
                    window.Advance(1);
                    if (!ResyncAtRecord())
                    {
                        return false;
                    }

                    break;
            }
        }
    }

    /// <summary>After a streamed record list: skips the remaining members of the enclosing object (e.g. NextToken).</summary>
    private void ReadObjectTail()
    {
        while (window.SkipWhitespace())
        {
            byte b = window.Available[0];
            if (b == (byte)'}')
            {
                window.Advance(1);
                return;
            }

            if (b == (byte)',')
            {
                window.Advance(1);
                if (!window.SkipWhitespace() || !SkipValue() || !window.SkipWhitespace() || window.Available[0] != (byte)':')
                {
                    break;
                }

                window.Advance(1);
                if (!window.SkipWhitespace() || !SkipValue())
                {
                    break;
                }

                continue;
            }

            break;
        }

        if (window.Eof && window.Available.IsEmpty)
        {
            Problem(window.Position, ProblemReason.InvalidJson, "the data ends before the closing '}'", default);
            return;
        }

        Problem(window.Position, ProblemReason.InvalidJson, "unexpected data after the record list", window.Available);
        ResyncAtLine();
    }

    /// <summary>A top-level value that is not a streamed record list: one record, an envelope, a digest, or one JSON line.</summary>
    private void ReadTopLevelValue()
    {
        long offset = window.Position;
        switch (Capture(out int length, out string? error))
        {
            case CaptureStatus.Complete:
                SetContainer(++_topLevelValues > 1 ? "json-lines" : "object");

                ProcessValue(length, offset);
                window.Advance(length);
                break;
            case CaptureStatus.TooDeep:
                Problem(offset, ProblemReason.TooDeep, error ?? "nested too deeply", window.Available);
                SkipValue();
                break;
            case CaptureStatus.TooLarge:
                Problem(offset, ProblemReason.InvalidRecord, $"record larger than {options.MaxJsonRecordBytes} bytes", window.Available);
                SkipValue();
                break;
            default:
                Problem(offset, ProblemReason.InvalidJson, error ?? "invalid JSON", window.Available);
                window.Advance(1);
                ResyncAtLine();
                break;
        }
    }
}
