using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.Reductions;

/// <summary>
/// The exact k nearest neighbours of every row under cosine distance (1 − cosine similarity), row i itself
/// excluded: <c>Indices[i * K + j]</c> is the j-th nearest, <c>Distances</c> alike, nearest first.
/// </summary>
public sealed record NeighbourGraph(int[] Indices, float[] Distances, int Count, int K);

/// <summary>
/// Exact blocked k-NN for the reductions: a block of query rows times all rows is one libtorch matrix
/// product followed by top-k, so memory is one block × n scores whatever the dataset size. Exact is
/// affordable up to a few hundred thousand rows (n² dot products at a few GFLOP/s); beyond that an
/// approximate graph (NN-descent) would be the switch.
/// </summary>
public static class CosineNeighbours
{
    // 256 rows × 100k candidates is a 100 MB score block; smaller blocks only add per-block overhead.
    private const int QueryBlockRows = 256;

    public static NeighbourGraph Compute(VectorSet vectors, int k, CancellationToken cancellationToken)
    {
        var count = vectors.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, Math.Max(1, count - 1));
        var unit = TorchRuntime.NormalizeRows(vectors.Values, count, vectors.Dimension);
        var indices = new int[count * k];
        var distances = new float[count * k];
        using var noGrad = no_grad();
        using var all = tensor(unit, [count, vectors.Dimension], ScalarType.Float32);
        for (var start = 0; start < count; start += QueryBlockRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(QueryBlockRows, count - start);
            using var scope = NewDisposeScope();
            var scores = all.narrow(0, start, rows).matmul(all.t());
            // A row is never its own neighbour, even when a duplicate scores as high.
            var selfColumns = arange(start, start + rows, dtype: ScalarType.Int64).unsqueeze(1);
            scores.scatter_(1, selfColumns, full(rows, 1, float.NegativeInfinity));
            var (best, bestIndex) = scores.topk(k, dim: 1, largest: true, sorted: true);
            var similarity = best.contiguous().data<float>().ToArray();
            var neighbour = bestIndex.to_type(ScalarType.Int32).contiguous().data<int>().ToArray();
            for (var offset = 0; offset < rows * k; offset++)
            {
                // Rounding can push a cosine a hair past 1; a distance below 0 would break the kernels.
                distances[start * k + offset] = Math.Max(0f, 1f - similarity[offset]);
                indices[start * k + offset] = neighbour[offset];
            }
        }

        return new NeighbourGraph(indices, distances, count, k);
    }
}
