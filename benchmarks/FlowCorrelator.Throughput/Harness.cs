using System.Diagnostics;
using System.Globalization;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Throughput;

/// <summary>
/// The parent: makes sure the scenario exists, then runs each mode in its own child process, interleaved and
/// repeated (the machine is shared, so one run proves little), and prints best and median side by side.
/// </summary>
internal static class Harness
{
    private static readonly string[] Modes = ["floor", "floor-native", "zcat", "investigate", "investigate-managed", "query", "duckdb"];

    public static int Run(HarnessArgs args)
    {
        var peaks = new List<(long Records, double PeakMb)>();
        bool allGood = true;
        foreach (long records in args.Records)
        {
            string dir = EnsureScenario(args.DataRoot, records);
            string[] files = ChildModes.FlowFiles(dir);
            var samples = Modes.ToDictionary(m => m, _ => new List<Sample>(), StringComparer.Ordinal);
            for (int r = 0; r < args.Repeat; r++)
            {
                foreach (string mode in Modes)
                {
                    if (mode == "duckdb" && args.SkipDuckDb)
                    {
                        continue;
                    }

                    Sample s = mode == "zcat" ? RunZcat(files) : RunChild(mode, dir);
                    samples[mode].Add(s);
                    Console.Error.WriteLine($"  run {r + 1}/{args.Repeat} {mode,-12} {s.Wall,7:F2} s  cpu {s.Cpu,6:F2} s  peak {s.PeakMb,7:F1} MB");
                }
            }

            allGood &= Print(records, files.Length, args.Repeat, samples);
            peaks.Add((records, Median(samples["investigate"], s => s.PeakMb)));
        }

        if (peaks.Count > 1)
        {
            (long r0, double p0) = peaks[0];
            (long r1, double p1) = peaks[^1];
            Console.WriteLine($"investigate peak memory: {p0:F1} MB at {r0:N0} records -> {p1:F1} MB at {r1:N0} records: {(p1 / p0 - 1) * 100:+0.0;-0.0} %");
        }

        return allGood ? 0 : 1;
    }

    /// <summary>Generates the v2 scenario once per size (seed 1) into the git-ignored cache; a finished folder has expected.json.</summary>
    private static string EnsureScenario(string root, long records)
    {
        string dir = Path.Combine(root, $"v2-seed1-{records}");
        if (File.Exists(Path.Combine(dir, "expected.json")))
        {
            return dir;
        }

        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true); // an interrupted generation
        }

        Console.Error.WriteLine($"generating {records:N0} v2 flow lines into {dir} ...");
        var clock = Stopwatch.StartNew();
        ScenarioGenerator.Write(dir, ScenarioOptions.Default with { Seed = 1, FlowLines = records, Format = ScenarioFormat.V2 });
        Console.Error.WriteLine($"generated in {clock.Elapsed.TotalSeconds:F1} s");
        return dir;
    }

    private static Sample RunChild(string mode, string dir)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.FileName = self;
            psi.ArgumentList.Add(typeof(Harness).Assembly.Location);
        }
        else
        {
            psi.FileName = self;
        }

        psi.ArgumentList.Add("--child");
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(dir);
        var clock = Stopwatch.StartNew();
        using Process child = Process.Start(psi) ?? throw new InvalidOperationException("cannot start child");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        double processWall = clock.Elapsed.TotalSeconds;
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"child '{mode}' failed (exit {child.ExitCode}):\n{output}");
        }

        Dictionary<string, string> kv = line["RESULT ".Length..].Split(' ')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        double D(string k) => double.Parse(kv[k], CultureInfo.InvariantCulture);
        double wall = mode == "duckdb" ? D("query") : D("wall");
        return new Sample(wall, processWall, D("cpu"), D("peak") / (1024 * 1024), kv);
    }

    /// <summary><c>zcat files &gt; /dev/null</c> in one process; bash's <c>times</c> reports the child's user and system time.</summary>
    private static Sample RunZcat(string[] files)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("zcat \"$@\" > /dev/null; times");
        psi.ArgumentList.Add("bash");
        foreach (string f in files)
        {
            psi.ArgumentList.Add(f);
        }

        var clock = Stopwatch.StartNew();
        using Process child = Process.Start(psi) ?? throw new InvalidOperationException("cannot start zcat");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        double wall = clock.Elapsed.TotalSeconds;

        // `times` prints the shell's own times, then its children's: "0m1.564s 0m0.111s".
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        double cpu = lines.Length >= 2 ? lines[1].Split(' ').Sum(ParseShellTime) : double.NaN;
        return new Sample(wall, wall, cpu, double.NaN, new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static double ParseShellTime(string t)
    {
        int m = t.IndexOf('m', StringComparison.Ordinal);
        return (double.Parse(t[..m], CultureInfo.InvariantCulture) * 60) + double.Parse(t[(m + 1)..].TrimEnd('s'), CultureInfo.InvariantCulture);
    }

    private static bool Print(long records, int files, int repeat, Dictionary<string, List<Sample>> samples)
    {
        List<Sample> floor = samples["floor"];
        List<Sample> nativeFloor = samples["floor-native"];
        List<Sample> zcat = samples["zcat"];
        List<Sample> inv = samples["investigate"];
        List<Sample> invManaged = samples["investigate-managed"];
        List<Sample> duck = samples["duckdb"];
        List<Sample> query = samples["query"];
        long lines = long.Parse(floor[0].Values["lines"], CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine($"{records:N0} flow lines (v2, seed 1), {files} .gz files, {Environment.ProcessorCount} cores, {repeat} runs; best / median");
        Console.WriteLine($"| {"mode",-28} | {"wall s",-13} | {"proc wall s",-13} | {"cpu s (u+s)",-13} | {"peak MB",-15} | {"M records/s",-13} | {"Q1 rows",7} |");
        Console.WriteLine($"|{new string('-', 30)}|{new string('-', 15)}|{new string('-', 15)}|{new string('-', 15)}|{new string('-', 17)}|{new string('-', 15)}|{new string('-', 9)}|");
        Row("floor, managed (GZipStream)", floor, lines, "-");
        Row("floor, native (libdeflate)", nativeFloor, lines, "-");
        Row("zcat > /dev/null", zcat, lines, "-");
        Row($"investigate ({inv[0].Values["inflater"]})", inv, lines, inv[0].Values["q1rows"]);
        Row($"investigate ({invManaged[0].Values["inflater"]})", invManaged, lines, invManaged[0].Values["q1rows"]);
        Row("query (q1-like filter)", query, lines, query[0].Values["q1rows"]);
        if (duck.Count > 0)
        {
            Row("duckdb q1 (query only)", duck, lines, duck[0].Values["q1rows"]);
        }

        Console.WriteLine();
        Ratio("native floor / managed floor", nativeFloor, floor, string.Empty);
        Ratio("investigate(native) / managed floor", inv, floor, "target <= 1.5");
        Ratio("investigate(native) / native floor", inv, nativeFloor, string.Empty);
        Ratio("investigate(managed) / managed floor", invManaged, floor, string.Empty);
        Ratio("investigate(native) / (managed)", inv, invManaged, string.Empty);
        if (duck.Count > 0)
        {
            Ratio("duckdb / investigate(native)", duck, inv, "target >= 3");
            Ratio("duckdb / investigate(managed)", duck, invManaged, string.Empty);
            Console.WriteLine($"duckdb setup (index + interval table, untimed above) {Median(duck, s => double.Parse(s.Values["setup"], CultureInfo.InvariantCulture)):F2} s");
        }

        Ratio("query / investigate(native)", query, inv, "(one ad-hoc filter over enriched records vs the five hand-tuned questions)");
        Ratio("managed floor / zcat", floor, zcat, string.Empty);
        Ratio("native floor / zcat", nativeFloor, zcat, string.Empty);
        Ratio("investigate(native) / zcat", inv, zcat, "(all five questions vs plain decompression of the same files)");
        bool answersOk = inv.Concat(invManaged).All(s => s.Values["expected"] == "yes" && s.Values["problems"] == "no");
        bool rowsOk = duck.All(d => d.Values["q1rows"] == inv[0].Values["q1rows"]);
        bool queryOk = query.All(q => q.Values["q1rows"] == inv[0].Values["q1rows"] && q.Values["problems"] == "no");
        Console.WriteLine($"investigate answers (both inflaters) == expected.json: {(answersOk ? "yes" : "NO")}; duckdb Q1 row count == engine's: {(duck.Count == 0 ? "skipped" : rowsOk ? "yes" : "NO")}; query rows == Q1 rows: {(queryOk ? "yes" : "NO")}");
        return answersOk && rowsOk && queryOk;
    }

    private static void Ratio(string name, List<Sample> a, List<Sample> b, string note) =>
        Console.WriteLine($"{name,-38} = {a.Min(s => s.Wall) / b.Min(s => s.Wall):F2} (best)  {Median(a, s => s.Wall) / Median(b, s => s.Wall):F2} (median)   {note}");

    private static void Row(string name, List<Sample> s, long lines, string rows)
    {
        string Pair(Func<Sample, double> f, string format, bool higherIsBetter = false)
        {
            double best = higherIsBetter ? s.Max(f) : s.Min(f);
            return double.IsNaN(best) ? "n/a" : best.ToString(format, CultureInfo.InvariantCulture) + " / " + Median(s, f).ToString(format, CultureInfo.InvariantCulture);
        }

        Console.WriteLine($"| {name,-28} | {Pair(x => x.Wall, "F2"),-13} | {Pair(x => x.ProcessWall, "F2"),-13} | {Pair(x => x.Cpu, "F2"),-13} | {Pair(x => x.PeakMb, "F1"),-15} | {Pair(x => lines / x.Wall / 1e6, "F2", true),-13} | {rows,7} |");
    }

    private static double Median(List<Sample> samples, Func<Sample, double> f)
    {
        double[] v = [.. samples.Select(f).Order()];
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>One run of one mode. <see cref="Wall"/> is in-process (DuckDB: the query alone); <see cref="ProcessWall"/> adds runtime start.</summary>
    private sealed record Sample(double Wall, double ProcessWall, double Cpu, double PeakMb, Dictionary<string, string> Values);
}
