using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using DataVisor.Api.NearDuplicates;
using DataVisor.Api.Torch;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "Near-duplicates (issue 5)": <see cref="NearDuplicateScan"/> (R29's core, no
/// HTTP or DuckDB) over random unit-length vectors with planted groups of near-copies, checking that
/// exactly the planted groups come back. Peak memory is the process's VmHWM, reset just before the scan
/// (<c>/proc/self/clear_refs</c>), so it is the scan's own peak on top of the vectors already in memory.
/// </summary>
internal static class NearDuplicateBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var sizes = (options.String("vectors") ?? "20000,100000").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var dimension = options.Int("dimension", 512);
        var threshold = double.Parse(options.String("threshold") ?? "0.95", CultureInfo.InvariantCulture);
        var plantedGroups = options.Int("groups", 500);
        Console.WriteLine($"{Environment.ProcessorCount} cores, libtorch {TorchRuntime.Version} on {TorchSharp.torch.get_num_threads()} threads; load average at start: {LoadAverage()}");
        Console.WriteLine($"| vectors x {dimension} (threshold {threshold}) | scan wall time | process CPU time | peak RSS during scan | RSS before scan | groups found / planted |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var rows in sizes)
        {
            var (vectors, planted) = Synthetic(rows, dimension, Math.Min(plantedGroups, rows / 8));
            GC.Collect();
            var before = ProcStatusKilobytes("VmRSS");
            File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var components = await NearDuplicateScan.RunAsync(vectors, rows, dimension, threshold, (_, _) => ValueTask.CompletedTask, _ => { }, CancellationToken.None);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var peak = ProcStatusKilobytes("VmHWM");
            var found = components.Components();
            var expected = planted.Select(group => string.Join(',', group.Order())).Order(StringComparer.Ordinal);
            var actual = found.Select(group => string.Join(',', group)).Order(StringComparer.Ordinal);
            if (!expected.SequenceEqual(actual))
            {
                throw new InvalidOperationException($"n = {rows}: found {found.Count} groups, planted {planted.Count}; they differ.");
            }

            Console.WriteLine($"| {rows:N0} | {elapsed.TotalSeconds:F1} s | {cpu.TotalSeconds:F1} s | {peak / 1024.0:N0} MB | {before / 1024.0:N0} MB | {found.Count} / {planted.Count} |");
        }

        Console.WriteLine($"load average at end: {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// Uniform random rows (pairwise cosines ~ N(0, 1/d), far below any threshold the API accepts), with
    /// groups of 2-4 rows that are a base row plus small noise (cosines ≈ 0.97-0.99); every row normalised.
    /// </summary>
    private static (float[] Vectors, List<int[]> Planted) Synthetic(int rows, int dimension, int groups)
    {
        var random = new Random(42);
        var vectors = GC.AllocateUninitializedArray<float>(checked(rows * dimension));
        for (var value = 0; value < vectors.Length; value++)
        {
            vectors[value] = random.NextSingle() - 0.5f;
        }

        var shuffled = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        var planted = new List<int[]>();
        var next = 0;
        for (var group = 0; group < groups; group++)
        {
            var members = shuffled.AsSpan(next, 2 + (group % 3)).ToArray();
            next += members.Length;
            var source = vectors.AsSpan(members[0] * dimension, dimension);
            foreach (var member in members.Skip(1))
            {
                var copy = vectors.AsSpan(member * dimension, dimension);
                for (var index = 0; index < dimension; index++)
                {
                    copy[index] = source[index] + ((random.NextSingle() - 0.5f) * 0.1f);
                }
            }

            planted.Add(members);
        }

        for (var row = 0; row < rows; row++)
        {
            var vector = vectors.AsSpan(row * dimension, dimension);
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        }

        return (vectors, planted);
    }

    private static long ProcStatusKilobytes(string field) =>
        File.ReadLines("/proc/self/status")
            .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(line => long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .Single();

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
