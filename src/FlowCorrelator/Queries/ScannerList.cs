using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace FlowCorrelator.Queries;

/// <summary>
/// Known internet scanners (Censys, Shodan), from the versioned data file <c>Data/scanners.txt</c> embedded in the
/// library, plus any user-supplied ranges. Lookups are a binary search over sorted, merged ranges.
/// </summary>
public sealed class ScannerList
{
    private readonly IpAddr[] _starts;
    private readonly IpAddr[] _ends;

    // One bit per IPv4 /16 that some range touches: almost every source (private or ordinary public addresses) is
    // answered by this one test, and the search runs only for the few blocks scanners live in.
    private readonly ulong[] _v4Blocks;

    private ScannerList(IEnumerable<IpNetwork> networks, string version)
    {
        Networks = [.. networks.OrderBy(n => n.First)];
        Version = version;
        var starts = new List<IpAddr>();
        var ends = new List<IpAddr>();
        foreach ((IpAddr first, IpAddr last) in Networks.SelectMany(FamilyRanges).OrderBy(r => r.First))
        {
            if (starts.Count > 0 && first <= ends[^1])
            {
                if (last > ends[^1])
                {
                    ends[^1] = last;
                }

                continue;
            }

            starts.Add(first);
            ends.Add(last);
        }

        _starts = [.. starts];
        _ends = [.. ends];
        _v4Blocks = new ulong[65536 / 64];
        for (int i = 0; i < _starts.Length; i++)
        {
            // Clamp each range to the IPv4-mapped space and mark the /16 blocks it touches.
            IpAddr first = _starts[i] > V4First ? _starts[i] : V4First;
            IpAddr last = _ends[i] < V4Last ? _ends[i] : V4Last;
            for (uint block = first.V4 >> 16; first <= last && block <= last.V4 >> 16; block++)
            {
                _v4Blocks[block >> 6] |= 1UL << (int)(block & 63);
            }
        }
    }

    private static IpAddr V4First => IpAddr.FromV4(0);

    /// <summary>
    /// The addresses a block holds, as ranges of the one 128-bit order. An IPv4 block is its range. An IPv6 block holds
    /// no IPv4 address (docs/semantics.md: a block holds addresses of its own family only) and not the absent address,
    /// so its range loses the IPv4-mapped block and <c>::</c>: <c>::/0</c> or <c>::/80</c> in a user's file must not
    /// make every IPv4 source a scanner. What remains is at most two ranges, below and above the mapped block.
    /// </summary>
    private static IEnumerable<(IpAddr First, IpAddr Last)> FamilyRanges(IpNetwork n)
    {
        if (n.IsV4)
        {
            yield return (n.First, n.Last);
            yield break;
        }

        IpAddr first = n.First.HasValue ? n.First : new IpAddr(0, 1);
        IpAddr belowMapped = IpAddr.FromUInt128(V4First.ToUInt128() - 1);
        IpAddr aboveMapped = IpAddr.FromUInt128(V4Last.ToUInt128() + 1);
        if (first <= n.Last && first <= belowMapped)
        {
            yield return (first, n.Last < belowMapped ? n.Last : belowMapped);
        }

        if (n.Last >= aboveMapped)
        {
            yield return (first > aboveMapped ? first : aboveMapped, n.Last);
        }
    }

    private static IpAddr V4Last => IpAddr.FromV4(uint.MaxValue);

    /// <summary>The built-in list.</summary>
    public static ScannerList BuiltIn { get; } = LoadBuiltIn();

    /// <summary>An empty list.</summary>
    public static ScannerList Empty { get; } = new([], "empty");

    /// <summary>Every range, sorted.</summary>
    public ImmutableArray<IpNetwork> Networks { get; }

    /// <summary>Version of the data (the built-in file's <c># version:</c> line, plus <c>+custom</c> when extended).</summary>
    public string Version { get; }

    /// <summary>Whether the address lies in a listed range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(IpAddr address) =>
        (!address.IsV4 || (_v4Blocks[address.V4 >> 22] & (1UL << (int)((address.V4 >> 16) & 63))) != 0) && Search(address);

    private bool Search(IpAddr address)
    {
        int lo = 0;
        int hi = _starts.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (address < _starts[mid])
            {
                hi = mid - 1;
            }
            else if (address > _ends[mid])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>This list plus the ranges in <paramref name="text"/> (one CIDR a line, <c>#</c> comments).</summary>
    /// <exception cref="FormatException">A line is not a CIDR block; the message names the line.</exception>
    public ScannerList With(string text, string sourceName)
    {
        List<IpNetwork> extra = Parse(text, sourceName, out _);
        return new ScannerList(Networks.Concat(extra), Version + "+custom");
    }

    private static List<IpNetwork> Parse(string text, string sourceName, out string version)
    {
        version = "unversioned";
        var result = new List<IpNetwork>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.StartsWith("# version:", StringComparison.Ordinal))
            {
                version = line["# version:".Length..].Trim();
                continue;
            }

            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash].Trim();
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (!IpNetwork.TryParse(line, out IpNetwork network))
            {
                throw new FormatException($"{sourceName}:{lineNumber}: '{line}' is not a CIDR block.");
            }

            result.Add(network);
        }

        return result;
    }

    private static ScannerList LoadBuiltIn()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FlowCorrelator.Data.scanners.txt")
            ?? throw new InvalidOperationException("The embedded scanner list is missing.");
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        List<IpNetwork> networks = Parse(text, "scanners.txt", out string version);
        return new ScannerList(networks, version);
    }
}
