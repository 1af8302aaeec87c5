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
    // A 2048 × 2048 tile is 16 MB of scores: few enough tiles that the per-tile top k and merges stay cheap
    // (docs/PERFORMANCE.md, "Exact k-NN for the reductions"), whatever n is.
    internal const int DefaultBlockRows = 2048;

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
                    // A row is never its own neighbour, even when a duplicate scores as high.
                    scores.diagonal().fill_(float.NegativeInfinity);
                }

                best.Offer(first, scores, other, rowsAlongDimension: 0);
                if (other != first)
                {
                    // A diagonal tile is symmetric: its rows alone already covered both sides.
                    best.Offer(other, scores, first, rowsAlongDimension: 1);
                }
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

    /// <summary>The k best similarities seen so far for every row, with their column indices; ordered only by <see cref="Result"/>.</summary>
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

        /// <summary>
        /// Merges into the running lists the best of each of the tile's rows (<paramref name="rowsAlongDimension"/> 0)
        /// or columns (1, read in place rather than through a transposed copy), which are the running lists'
        /// rows from <paramref name="firstRow"/> on; the other dimension's indices start at <paramref name="firstIndex"/>.
        /// </summary>
        public void Offer(int firstRow, Tensor tile, int firstIndex, int rowsAlongDimension)
        {
            var across = 1 - rowsAlongDimension;
            var rows = (int)tile.shape[rowsAlongDimension];
            var take = (int)Math.Min(_k, tile.shape[across]);
            var (tileBest, tileIndices) = tile.topk(take, dim: across, largest: true, sorted: false);
            if (across == 0)
            {
                tileBest = tileBest.t();
                tileIndices = tileIndices.t();
            }

            var currentScores = _scores.narrow(0, firstRow, rows);
            var currentIndices = _indices.narrow(0, firstRow, rows);
            var candidates = cat([currentScores, tileBest], 1);
            var candidateIndices = cat([currentIndices, tileIndices + firstIndex], 1);
            // Unsorted: a selection is cheaper than a sort, and only the final lists need order (Result).
            var (merged, position) = candidates.topk(_k, dim: 1, largest: true, sorted: false);
            currentScores.copy_(merged);
            currentIndices.copy_(candidateIndices.gather(1, position));
        }

        /// <summary>Every row's k best, best first.</summary>
        public (float[] Similarities, int[] Indices) Result()
        {
            using var scope = NewDisposeScope();
            var (sorted, order) = _scores.sort(dim: 1, descending: true, stable: true);
            var indices = _indices.gather(1, order);
            return (sorted.contiguous().data<float>().ToArray(), indices.to_type(ScalarType.Int32).contiguous().data<int>().ToArray());
        }

        public void Dispose()
        {
            _scores.Dispose();
            _indices.Dispose();
        }
    }
}
