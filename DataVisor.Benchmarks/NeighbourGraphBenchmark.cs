using System.Globalization;
using DataVisor.Api.Reductions;
using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Benchmarks;

/// <summary>
/// docs/PERFORMANCE.md "Exact k-NN for the reductions": <see cref="CosineNeighbours"/> (each pair of row blocks
/// scored once, both sides fed from one product) against the baseline it replaced, run in the same process on
/// the same vectors: every block of 256 rows scored against all rows, then one top k per row. Both are exact,
/// so the run also counts the rows whose neighbour lists differ (only near-ties may).
/// </summary>
internal static class NeighbourGraphBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var options = new BenchmarkArguments(args);
        var sizes = (options.String("sizes") ?? "10000,50000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        var ks = (options.String("k") ?? "14,90").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var rounds = options.Int("rounds", 2);
        CosineNeighbours.Compute(ReductionsData.GaussianClusters(300, 16, 3, seed: 1).Vectors, 5, CancellationToken.None);
        Console.WriteLine($"{Environment.ProcessorCount} cores; {rounds} rounds each, alternating; median wall seconds");
        Console.WriteLine("| n x 512 | k | full-row blocks (baseline) s | pair blocks (ours) s | ratio | rows differing |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var (vectors, _) = ReductionsData.GaussianClusters(size, 512, 10, seed: 42);
            foreach (var k in ks)
            {
                var baseline = new List<double>();
                var ours = new List<double>();
                NeighbourGraph? baselineGraph = null, ourGraph = null;
                for (var round = 0; round < rounds; round++)
                {
                    baseline.Add(Measure.Elapsed(() => baselineGraph = FullRowBlocks(vectors, k)).TotalSeconds);
                    ours.Add(Measure.Elapsed(() => ourGraph = CosineNeighbours.Compute(vectors, k, CancellationToken.None)).TotalSeconds);
                }

                var differing = Enumerable.Range(0, size).Count(row =>
                    !baselineGraph!.Indices.AsSpan(row * k, k).SequenceEqual(ourGraph!.Indices.AsSpan(row * k, k)));
                double b = Measure.Median(baseline), o = Measure.Median(ours);
                Console.WriteLine($"| {size:N0} | {k} | {b:F2} | {o:F2} | {o / b:F2} | {differing} |");
            }
        }

        return Task.FromResult(0);
    }

    /// <summary>The baseline: 256 query rows × all rows per product, the top k of each whole row.</summary>
    private static NeighbourGraph FullRowBlocks(VectorSet vectors, int k)
    {
        const int blockRows = 256;
        var count = vectors.Count;
        var unit = TorchRuntime.NormalizeRows(vectors.Values, count, vectors.Dimension);
        var indices = new int[count * k];
        var distances = new float[count * k];
        using var noGrad = no_grad();
        using var all = tensor(unit, [count, vectors.Dimension], ScalarType.Float32);
        for (var start = 0; start < count; start += blockRows)
        {
            var rows = Math.Min(blockRows, count - start);
            using var scope = NewDisposeScope();
            var scores = all.narrow(0, start, rows).matmul(all.t());
            scores.narrow(1, start, rows).diagonal().fill_(float.NegativeInfinity);
            var (best, bestIndex) = scores.topk(k, dim: 1, largest: true, sorted: true);
            (1 - best).contiguous().data<float>().CopyTo(distances, start * k);
            bestIndex.to_type(ScalarType.Int32).contiguous().data<int>().CopyTo(indices, start * k);
        }

        return new NeighbourGraph(indices, distances, count, k);
    }
}
