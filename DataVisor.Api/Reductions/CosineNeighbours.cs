using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.Reductions;

/// <summary>
/// The exact k nearest neighbours of every row under cosine distance (1 − cosine similarity), row i itself
/// excluded: <c>Indices[i * K + j]</c> is the j-th nearest, <c>Distances</c> alike, nearest first.
/// </summary>
public sealed record NeighbourGraph(int[] Indices, float[] Distances, int Count, int K);

/// <summary>
/// Exact blocked k-NN for the reductions. The rows are cut into blocks; each pair of blocks (I, J) with
/// J ≥ I is one libtorch matrix product, and since cosine similarity is symmetric that one product serves
/// both sides: its top k along the rows are candidates for block I, along the columns for block J. So every
/// dot product is computed once (half the work of scoring each row against all rows), and memory is a
/// block × block score tile plus a running top k per row, whatever the dataset size. Exact is affordable up
/// to a few hundred thousand rows; beyond that an approximate graph (NN-descent) would be the switch.
/// </summary>
public static class CosineNeighbours
{
    // A 1024 × 1024 tile is 4 MB of scores: large enough for an efficient product, small enough for the cache.
    internal const int DefaultBlockRows = 1024;

    public static NeighbourGraph Compute(VectorSet vectors, int k, CancellationToken cancellationToken) =>
        Compute(vectors, k, DefaultBlockRows, cancellationToken);

    internal static NeighbourGraph Compute(VectorSet vectors, int k, int blockRows, CancellationToken cancellationToken)
    {
        var count = vectors.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, Math.Max(1, count - 1));
        var unit = TorchRuntime.NormalizeRows(vectors.Values, count, vectors.Dimension);
        using var noGrad = no_grad();
        using var all = tensor(unit, [count, vectors.Dimension], ScalarType.Float32);
        using var best = new RunningTopK(count, k);
        for (var first = 0; first < count; first += blockRows)
        {
            var rows = Math.Min(blockRows, count - first);
            for (var other = first; other < count; other += blockRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var columns = Math.Min(blockRows, count - other);
                using var scope = NewDisposeScope();
                var scores = all.narrow(0, first, rows).matmul(all.narrow(0, other, columns).t());
                if (other == first)
                {
                    // A row is never its own neighbour, even when a duplicate scores as high. The diagonal
                    // tile is symmetric, so its rows alone cover both sides.
                    scores.diagonal().fill_(float.NegativeInfinity);
                    best.Offer(first, scores, other);
                    continue;
                }

                best.Offer(first, scores, other);
                best.Offer(other, scores.t(), first);
            }
        }

        var (similarities, neighbours) = best.Result();
        var distances = new float[count * k];
        for (var offset = 0; offset < distances.Length; offset++)
        {
            // Rounding can push a cosine a hair past 1; a distance below 0 would break the kernels.
            distances[offset] = Math.Max(0f, 1f - similarities[offset]);
        }

        return new NeighbourGraph(neighbours, distances, count, k);
    }

    /// <summary>The k best similarities seen so far for every row, with their column indices, best first.</summary>
    private sealed class RunningTopK : IDisposable
    {
        private readonly Tensor _scores;
        private readonly Tensor _indices;
        private readonly int _k;

        public RunningTopK(int count, int k)
        {
            _k = k;
            _scores = full([count, k], float.NegativeInfinity, ScalarType.Float32);
            _indices = full([count, k], -1L, ScalarType.Int64);
        }

        /// <summary>Merges the best of each row of <paramref name="tile"/> (rows from <paramref name="firstRow"/>, columns from <paramref name="firstColumn"/>).</summary>
        public void Offer(int firstRow, Tensor tile, int firstColumn)
        {
            var rows = (int)tile.shape[0];
            var take = (int)Math.Min(_k, tile.shape[1]);
            var (tileBest, tileColumns) = tile.topk(take, dim: 1, largest: true, sorted: false);
            var currentScores = _scores.narrow(0, firstRow, rows);
            var currentIndices = _indices.narrow(0, firstRow, rows);
            var candidates = cat([currentScores, tileBest], 1);
            var candidateIndices = cat([currentIndices, tileColumns + firstColumn], 1);
            var (merged, position) = candidates.topk(_k, dim: 1, largest: true, sorted: true);
            currentScores.copy_(merged);
            currentIndices.copy_(candidateIndices.gather(1, position));
        }

        public (float[] Similarities, int[] Indices) Result() =>
            (_scores.contiguous().data<float>().ToArray(), _indices.to_type(ScalarType.Int32).contiguous().data<int>().ToArray());

        public void Dispose()
        {
            _scores.Dispose();
            _indices.Dispose();
        }
    }
}
