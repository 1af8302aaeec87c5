using DataVisor.Api.Reductions;

namespace DataVisor.Tests.Reductions;

/// <summary>The exact blocked k-NN shared by t-SNE and UMAP, against brute force in double precision.</summary>
public sealed class CosineNeighboursTests
{
    [Theory]
    [InlineData(CosineNeighbours.DefaultBlockRows)] // one block: only the diagonal tile
    [InlineData(256)] // three blocks, the last one partial
    [InlineData(199)] // four blocks, the last one 3 rows: fewer rows than k, so its column-side top k is short
    public void Matches_brute_force_across_blocks(int blockRows)
    {
        // Unnormalised rows of varied length.
        var random = new Random(11);
        const int count = 600, dimension = 10, k = 7;
        var values = new float[count * dimension];
        for (var index = 0; index < values.Length; index++)
        {
            values[index] = (float)(ClusteredVectors.Gaussian(random) * (1 + index / dimension % 5));
        }

        var graph = CosineNeighbours.Compute(new VectorSet(values, count, dimension), k, blockRows, CancellationToken.None);
        Assert.Equal((count, k, count * k, count * k), (graph.Count, graph.K, graph.Indices.Length, graph.Distances.Length));
        for (var row = 0; row < count; row++)
        {
            var expected = Enumerable.Range(0, count)
                .Where(other => other != row)
                .Select(other => (Distance: CosineDistance(values, dimension, row, other), Index: other))
                .Order()
                .Take(k + 1)
                .ToArray();
            for (var rank = 0; rank < k; rank++)
            {
                var index = graph.Indices[row * k + rank];
                var distance = graph.Distances[row * k + rank];
                Assert.NotEqual(row, index);
                // Float32 products may swap near-ties, so compare distances, and the index through its distance.
                Assert.True(Math.Abs(expected[rank].Distance - distance) < 1e-5, $"row {row} rank {rank}: {distance} vs {expected[rank].Distance}");
                Assert.True(Math.Abs(CosineDistance(values, dimension, row, index) - distance) < 1e-5);
            }

            Assert.Equal(k, graph.Indices.AsSpan(row * k, k).ToArray().Distinct().Count());
        }
    }

    [Fact]
    public void Duplicates_are_neighbours_at_distance_zero_but_a_row_is_never_its_own()
    {
        // Rows 0 and 1 are the same direction (different length); row 2 is orthogonal; row 3 opposite.
        float[] values = [1, 0, 2, 0, 0, 1, -1, 0];
        var graph = CosineNeighbours.Compute(new VectorSet(values, 4, 2), 2, CancellationToken.None);
        Assert.Equal([1, 2], graph.Indices.AsSpan(0, 2).ToArray());
        Assert.Equal([0, 2], graph.Indices.AsSpan(2, 2).ToArray());
        Assert.Equal(0f, graph.Distances[0], 6);
        Assert.Equal(1f, graph.Distances[1], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => CosineNeighbours.Compute(new VectorSet(values, 4, 2), 4, CancellationToken.None));
    }

    [Fact]
    public void A_cancelled_token_stops_the_scan()
    {
        var values = new float[300 * 4];
        Array.Fill(values, 1f);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => CosineNeighbours.Compute(new VectorSet(values, 300, 4), 3, cancelled.Token));
    }

    private static double CosineDistance(float[] values, int dimension, int left, int right)
    {
        double dot = 0, leftNorm = 0, rightNorm = 0;
        for (var axis = 0; axis < dimension; axis++)
        {
            double a = values[left * dimension + axis], b = values[right * dimension + axis];
            dot += a * b;
            leftNorm += a * a;
            rightNorm += b * b;
        }

        return Math.Max(0, 1 - dot / Math.Sqrt(leftNorm * rightNorm));
    }
}
