using DataVisor.Api.NearDuplicates;

namespace DataVisor.Tests.NearDuplicates;

/// <summary>R29's blocked scan against a brute-force reference, over more rows than one query block and one column tile.</summary>
public sealed class NearDuplicateScanTests
{
    [Fact]
    public async Task Blocked_symmetric_scan_equals_brute_force_across_block_and_tile_boundaries()
    {
        const int Rows = NearDuplicateScan.ColumnBlockRows + 700;
        const int Dimension = 12;
        const double Threshold = 0.9;
        var random = new Random(5);
        var vectors = new float[Rows * Dimension];
        for (var index = 0; index < vectors.Length; index++)
        {
            vectors[index] = random.NextSingle() - 0.5f;
        }

        // Twelve exact copies straddling a query-block boundary and the first column tile's end: more
        // than nine neighbours at an equal score, so the tie rule (smaller row first) decides the edges.
        int[] copies = [.. Enumerable.Range(NearDuplicateScan.QueryBlockRows - 3, 6), .. Enumerable.Range(NearDuplicateScan.ColumnBlockRows - 2, 6)];
        foreach (var row in copies)
        {
            vectors.AsSpan(copies[0] * Dimension, Dimension).CopyTo(vectors.AsSpan(row * Dimension, Dimension));
        }

        Normalise(vectors, Dimension);
        var reported = new List<int>();

        var components = await NearDuplicateScan.RunAsync(vectors, Rows, Dimension, Threshold, (_, _) => ValueTask.CompletedTask, reported.Add, CancellationToken.None);

        var expected = BruteForce(vectors, Rows, Dimension, Threshold).Components();
        Assert.Contains(expected, group => copies.All(group.Contains));
        Assert.True(expected.Count > 20, $"only {expected.Count} reference groups: the data does not exercise the scan");
        Assert.Equal(Describe(expected), Describe(components.Components()));
        Assert.Equal([.. Enumerable.Range(1, 9).Select(block => Math.Min(block * NearDuplicateScan.QueryBlockRows, Rows))], reported);
    }

    [Theory]
    [InlineData(0.95)]
    [InlineData(0.8)]
    [InlineData(0.99)]
    [InlineData(0.9000000000000001)]
    public void The_float_threshold_admits_exactly_the_scores_the_double_threshold_admits(double threshold)
    {
        var minimum = NearDuplicateScan.SmallestFloatAtLeast(threshold);

        Assert.True(minimum >= threshold);
        Assert.True(MathF.BitDecrement(minimum) < threshold);
    }

    private static UnionFind BruteForce(float[] vectors, int rows, int dimension, double threshold)
    {
        var components = new UnionFind(rows);
        for (var row = 0; row < rows; row++)
        {
            var candidates = new List<(float Score, int Row)>();
            for (var other = 0; other < rows; other++)
            {
                var score = Dot(vectors.AsSpan(row * dimension, dimension), vectors.AsSpan(other * dimension, dimension));
                if (other != row && score >= threshold)
                {
                    candidates.Add((score, other));
                }
            }

            foreach (var (_, other) in candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Row).Take(NearDuplicateScan.NeighboursPerRow))
            {
                components.Union(row, other);
            }
        }

        return components;
    }

    /// <summary>Float dot in index order; the scan's matrix product may round differently, but no pair here sits within float error of the threshold.</summary>
    private static float Dot(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        var sum = 0f;
        for (var index = 0; index < left.Length; index++)
        {
            sum += left[index] * right[index];
        }

        return sum;
    }

    private static void Normalise(float[] vectors, int dimension)
    {
        for (var start = 0; start < vectors.Length; start += dimension)
        {
            var row = vectors.AsSpan(start, dimension);
            var norm = MathF.Sqrt(Dot(row, row));
            for (var index = 0; index < dimension; index++)
            {
                row[index] /= norm;
            }
        }
    }

    private static List<string> Describe(List<int[]> groups) => [.. groups.Select(group => string.Join(',', group)).Order(StringComparer.Ordinal)];
}
