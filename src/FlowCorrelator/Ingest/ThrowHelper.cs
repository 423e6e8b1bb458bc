using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FlowCorrelator.Ingest;

/// <summary>
/// The throw sites of the readers, kept out of the methods that call them (System.Text.Json's <c>ThrowHelper</c>):
/// a <c>throw</c> inside a method keeps the JIT from inlining it and puts the exception's construction in its body.
/// </summary>
internal static class ThrowHelper
{
    /// <summary>Stops the run at <paramref name="problem"/> (strict mode).</summary>
    /// <exception cref="LogFormatException">Always.</exception>
    [DoesNotReturn]
    public static void ThrowLogFormat(InputProblem problem) => throw GetLogFormatException(problem);

    /// <summary>The exception for <paramref name="problem"/>: built out of line, on the cold path only.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static LogFormatException GetLogFormatException(InputProblem problem) => new(problem);
}
