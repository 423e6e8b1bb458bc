using System.Diagnostics;
using System.Globalization;
using FlowCorrelator.Throughput;

// Started here so a child's in-process wall time covers JIT and index building, not just the scan.
long startedAt = Stopwatch.GetTimestamp();
try
{
    return args is ["--child", string mode, string dir, ..]
        ? ChildModes.Run(mode, dir, startedAt)
        : Harness.Run(HarnessArgs.Parse(args));
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(HarnessArgs.Usage);
    return 2;
}

namespace FlowCorrelator.Throughput
{
    /// <summary>Command line of the harness (the parent process).</summary>
    internal sealed record HarnessArgs(IReadOnlyList<long> Records, int Repeat, string DataRoot, bool SkipDuckDb)
    {
        public const string Usage =
            "usage: dotnet run -c Release --project benchmarks/FlowCorrelator.Throughput -- [--records N[,N...]] [--repeat K] [--data DIR] [--no-duckdb]\n" +
            "  --records  flow lines of the generated v2 scenario (default 10000000; a list runs each size and reports memory growth)\n" +
            "  --repeat   runs of each mode, interleaved (default 3; best and median are reported)\n" +
            "  --data     cache folder for generated scenarios (default benchmarks/.data, git-ignored)";

        public static HarnessArgs Parse(string[] args)
        {
            var records = new List<long> { 10_000_000 };
            int repeat = 3;
            string? data = null;
            bool skipDuckDb = false;
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : string.Empty;
                switch (args[i])
                {
                    case "--records":
                        records = [.. value.Split(',').Select(v => long.Parse(v.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture))];
                        i++;
                        break;
                    case "--repeat":
                        repeat = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                        i++;
                        break;
                    case "--data":
                        data = value;
                        i++;
                        break;
                    case "--no-duckdb":
                        skipDuckDb = true;
                        break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }

            if (repeat < 1 || records.Count == 0 || records.Any(r => r < 1))
            {
                throw new ArgumentException("--records and --repeat must be positive");
            }

            return new HarnessArgs(records, repeat, data ?? Path.Combine(RepositoryRoot(), "benchmarks", ".data"), skipDuckDb);
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FlowCorrelator.sln")))
                {
                    return dir.FullName;
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }
}
