using DataVisor.Api.Torch;
using static TorchSharp.torch;

namespace DataVisor.Api.NearDuplicates;

/// <summary>
/// The core of R29 (§6.11), on row indices: an exact all-pairs scan of unit-length vectors that keeps, per
/// row, its <see cref="NeighboursPerRow"/> most similar other rows at or above the threshold, and joins
/// each row to them in a union-find.
/// </summary>
/// <remarks>
/// Each pair is scored once: query blocks of <see cref="QueryBlockRows"/> rows are multiplied only with
/// the rows from their own start onwards (the upper triangle of V·Vᵀ), in tiles of
/// <see cref="ColumnBlockRows"/> columns, and a pair found is offered to both of its rows. The threshold
/// is applied inside libtorch (compare, then <c>nonzero</c>), so only the few pairs above it ever reach
/// managed code; the tiles themselves are never copied out. After a query block, every pair involving its
/// rows has been seen (smaller rows in earlier blocks, larger ones in this one), so those rows are joined
/// then. Ties at equal score go to the smaller row (= ordinal-smaller sample id), as in R28.
/// </remarks>
internal static class NearDuplicateScan
{
    public const int NeighboursPerRow = 9;

    // A 1024 x 8192 float tile is 32 MB (plus an 8 MB mask); at 100k x 512 one query block is ~1e11
    // multiply-adds, a few seconds on two cores, which bounds how long a cancellation waits.
    public const int QueryBlockRows = 1024;
    public const int ColumnBlockRows = 8192;

    /// <param name="unitVectors">rows x dimension, row-major, each row of unit length (or zero).</param>
    /// <param name="beforeBlock">Awaited before each query block with the rows scanned so far (cancellation point).</param>
    /// <param name="scanned">Called with the count of rows whose neighbours are final, after each block.</param>
    public static async Task<UnionFind> RunAsync(
        float[] unitVectors,
        int rows,
        int dimension,
        double threshold,
        Func<int, CancellationToken, ValueTask> beforeBlock,
        Action<int> scanned,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(unitVectors.Length, rows * dimension);
        var components = new UnionFind(rows);
        if (rows == 0)
        {
            return components;
        }

        var neighbours = new NeighbourLists(rows, NeighboursPerRow);
        var minimum = SmallestFloatAtLeast(threshold);
        _ = TorchRuntime.Version;
        using var inference = inference_mode();
        // frombuffer shares (and pins) the managed array instead of copying it: 205 MB less at 100k x 512.
        // Nothing here writes to it, and the index's matrices are never modified once built.
        using var flat = frombuffer(unitVectors, ScalarType.Float32);
        using var vectors = flat.view(rows, dimension);
        for (var queryStart = 0; queryStart < rows; queryStart += QueryBlockRows)
        {
            await beforeBlock(queryStart, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            var queryCount = Math.Min(QueryBlockRows, rows - queryStart);
            for (var columnStart = queryStart; columnStart < rows; columnStart += ColumnBlockRows)
            {
                var columnCount = Math.Min(ColumnBlockRows, rows - columnStart);
                OfferPairsAbove(vectors, queryStart, queryCount, columnStart, columnCount, minimum, neighbours);
            }

            for (var row = queryStart; row < queryStart + queryCount; row++)
            {
                neighbours.JoinInto(components, row);
            }

            scanned(queryStart + queryCount);
        }

        return components;
    }

    /// <summary>Scores one tile of V·Vᵀ and offers every pair at or above <paramref name="minimum"/> to both rows.</summary>
    private static void OfferPairsAbove(Tensor vectors, int queryStart, int queryCount, int columnStart, int columnCount, float minimum, NeighbourLists neighbours)
    {
        using var scope = NewDisposeScope();
        var scores = vectors.narrow(0, queryStart, queryCount).matmul(vectors.narrow(0, columnStart, columnCount).t());
        if (columnStart == queryStart)
        {
            // The tile holds the block's own square: keep each pair once and never a row with itself.
            // Zeroed cells never pass, as the threshold is at least 0.8.
            scores = scores.triu(1);
        }

        var passing = scores.ge(minimum);
        var pairs = passing.nonzero();
        var count = (int)pairs.shape[0];
        if (count == 0)
        {
            return;
        }

        // nonzero and masked_select both walk the tile in row-major order, so pair i has score i.
        var indices = pairs.data<long>().ToArray();
        var values = scores.masked_select(passing).data<float>().ToArray();
        for (var pair = 0; pair < count; pair++)
        {
            var query = queryStart + (int)indices[2 * pair];
            var column = columnStart + (int)indices[(2 * pair) + 1];
            neighbours.Offer(query, values[pair], column);
            neighbours.Offer(column, values[pair], query);
        }
    }

    /// <summary>The float f with f ≥ t exactly when (double)f ≥ <paramref name="threshold"/>, for comparing float scores in libtorch.</summary>
    internal static float SmallestFloatAtLeast(double threshold)
    {
        var candidate = (float)threshold;
        return candidate < threshold ? MathF.BitIncrement(candidate) : candidate;
    }
}
