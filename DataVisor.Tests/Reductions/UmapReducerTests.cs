using System.Diagnostics;
using DataVisor.Api.Reductions;
using Xunit.Abstractions;

namespace DataVisor.Tests.Reductions;

/// <summary>
/// UMAP (§6.10) as a pure computation: cluster structure survives, the result is bit-identical across runs,
/// the degenerate inputs (1–3 points, duplicates) give finite layouts, and a cancellation lands promptly.
/// </summary>
public sealed class UmapReducerTests(ITestOutputHelper output)
{
    private const int NeighboursFor2D = 10;

    [Fact]
    public void CurveFitForMinDistOneTenthMatchesUmapLearn()
    {
        var curve = UmapCurve.Fit(minDist: 0.1, spread: 1.0);

        // umap-learn 0.5 find_ab_params(1.0, 0.1) via scipy curve_fit: a = 1.5769, b = 0.8951.
        output.WriteLine($"a = {curve.A:F6}, b = {curve.B:F6}");
        Assert.Equal(1.5769, curve.A, 1e-3);
        Assert.Equal(0.8951, curve.B, 1e-3);
    }

    [Fact]
    public void CurveFitForTheServicesSpreadMatchesScipy()
    {
        var curve = UmapCurve.Fit(UmapReducer.MinDist, UmapReducer.Spread);

        // scipy 1.10 curve_fit on umap-learn's target curve for min_dist 0.1, spread 3: a = 0.29566, b = 0.82465,
        // a heavier tail than spread 1's b = 0.8951.
        output.WriteLine($"a = {curve.A:F6}, b = {curve.B:F6}");
        Assert.Equal(0.29566, curve.A, 1e-3);
        Assert.Equal(0.82465, curve.B, 1e-3);
    }

    [Fact]
    public void WellSeparatedClustersStaySeparatedIn2D()
    {
        var (vectors, labels) = GaussianClusters(clusters: 6, perCluster: 80, dimension: 64, seed: 11);

        var layout = new UmapReducer().Reduce(vectors, CancellationToken.None);

        Assert.Equal(2 * vectors.Count, layout.Length);
        Assert.All(layout, value => Assert.True(double.IsFinite(value)));
        var agreement = LayoutQuality.KnnClassAgreement(layout, labels, NeighboursFor2D);
        var separation = LayoutQuality.SeparationRatio(layout, labels);
        output.WriteLine($"k-NN class agreement {agreement:F4}, separation ratio {separation:F4}");
        Assert.True(agreement >= 0.95, $"k-NN class agreement {agreement:F4}");
        // Same-cluster pairs are on average about eight times closer than pairs across clusters (0.122 here: the
        // late repulsion of UmapLayout and the kernel's spread of 3 widen each cluster a little; t-SNE's test
        // allows 1/3).
        Assert.True(separation <= 0.15, $"separation ratio {separation:F4}");
    }

    [Fact]
    public void TheSameInputGivesBitIdenticalCoordinates()
    {
        // 1,200 points: the layout runs four vertex blocks in parallel, so thread timing is exercised too.
        var (vectors, _) = GaussianClusters(clusters: 4, perCluster: 300, dimension: 32, seed: 5);
        var reducer = new UmapReducer();

        var first = reducer.Reduce(vectors, CancellationToken.None);
        var second = reducer.Reduce(vectors with { Values = (float[])vectors.Values.Clone() }, CancellationToken.None);

        Assert.Equal(first.Select(BitConverter.DoubleToInt64Bits), second.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void ASinglePointSitsAtTheOrigin()
    {
        var layout = new UmapReducer().Reduce(new VectorSet([0.5f, -1f, 2f], 1, 3), CancellationToken.None);

        Assert.Equal([0.0, 0.0], layout);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoOrThreePointsGetDistinctFiniteCoordinates(int count)
    {
        var values = new float[count * 4];
        for (var i = 0; i < count; i++)
        {
            values[i * 4 + i] = 1; // orthogonal unit vectors
        }

        var layout = new UmapReducer().Reduce(new VectorSet(values, count, 4), CancellationToken.None);

        Assert.Equal(2 * count, layout.Length);
        Assert.All(layout, value => Assert.True(double.IsFinite(value)));
        var points = Enumerable.Range(0, count).Select(i => (layout[2 * i], layout[2 * i + 1])).ToArray();
        Assert.Equal(count, points.Distinct().Count());
    }

    [Fact]
    public void DuplicatePointsLandTogetherAndApartFromOtherDuplicates()
    {
        // Two groups of 40 exact copies: every nearest-neighbour distance is 0.
        var dimension = 16;
        var values = new float[80 * dimension];
        for (var i = 0; i < 80; i++)
        {
            values[i * dimension + (i < 40 ? 0 : 1)] = 1;
            values[i * dimension + 2] = 0.25f;
        }

        var labels = Enumerable.Range(0, 80).Select(i => i < 40 ? 0 : 1).ToArray();

        var layout = new UmapReducer().Reduce(new VectorSet(values, 80, dimension), CancellationToken.None);

        Assert.All(layout, value => Assert.True(double.IsFinite(value)));
        Assert.Equal(1.0, LayoutQuality.KnnClassAgreement(layout, labels, NeighboursFor2D));
    }

    [Fact]
    public void IdenticalVectorsGiveFiniteCoordinates()
    {
        var values = Enumerable.Repeat(0.3f, 20 * 8).ToArray();

        var layout = new UmapReducer().Reduce(new VectorSet(values, 20, 8), CancellationToken.None);

        Assert.Equal(40, layout.Length);
        Assert.All(layout, value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void FuzzyGraphIsSymmetricWithWeightsInUnitInterval()
    {
        var (vectors, _) = GaussianClusters(clusters: 3, perCluster: 40, dimension: 16, seed: 3);
        var neighbours = CosineNeighbours.Compute(vectors, UmapReducer.NeighbourCount(vectors.Count) - 1, CancellationToken.None);

        var graph = UmapFuzzyGraph.Build(neighbours, epochs: 500);

        var edges = new Dictionary<(int, int), float>();
        for (var i = 0; i < graph.VertexCount; i++)
        {
            for (var edge = graph.RowStart[i]; edge < graph.RowStart[i + 1]; edge++)
            {
                Assert.NotEqual(i, graph.Columns[edge]);
                Assert.InRange(graph.Weights[edge], 1f / 500, 1f + 1e-6f);
                edges.Add((i, graph.Columns[edge]), graph.Weights[edge]);
            }
        }

        Assert.All(edges, edge => Assert.Equal(edge.Value, edges[(edge.Key.Item2, edge.Key.Item1)]));
        // Each point's nearest neighbour has membership 1 (its distance is rho), and the union keeps it at 1
        // (up to the rounding of 1 + w − w), so every row has an edge of weight 1.
        Assert.All(Enumerable.Range(0, graph.VertexCount), i =>
            Assert.InRange(graph.Weights[graph.RowStart[i]..graph.RowStart[i + 1]].Max(), 1f - 1e-6f, 1f + 1e-6f));
    }

    [Fact]
    public void CancelledTokenStopsBeforeAnyWork()
    {
        var (vectors, _) = GaussianClusters(clusters: 2, perCluster: 50, dimension: 8, seed: 1);

        Assert.ThrowsAny<OperationCanceledException>(() => new UmapReducer().Reduce(vectors, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void CancellationDuringTheLayoutLandsPromptly()
    {
        // 6K points run 500 epochs, several seconds on this machine: cancel while it is optimising.
        var (vectors, _) = GaussianClusters(clusters: 10, perCluster: 600, dimension: 32, seed: 9);
        using var cancellation = new CancellationTokenSource();
        using var finished = new ManualResetEventSlim();
        var cancelledAt = Stopwatch.StartNew();
        // A dedicated thread, not a pool timer: the reducer's parallel epochs may occupy every pool thread.
        var canceller = new Thread(() =>
        {
            if (!finished.Wait(TimeSpan.FromMilliseconds(1500)))
            {
                cancelledAt.Restart();
                cancellation.Cancel();
            }
        });
        canceller.Start();

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            try
            {
                new UmapReducer().Reduce(vectors, cancellation.Token);
            }
            finally
            {
                finished.Set();
            }
        });
        canceller.Join();

        Assert.True(cancellation.IsCancellationRequested);
        // An epoch is milliseconds; the bound leaves room for a loaded 2-core test host running other classes.
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(5), $"stopped {cancelledAt.Elapsed.TotalMilliseconds:F0} ms after the cancel");
    }

    internal static (VectorSet Vectors, int[] Labels) GaussianClusters(int clusters, int perCluster, int dimension, int seed)
    {
        var random = new Random(seed);
        var centres = new float[clusters * dimension];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = (float)Gaussian(random);
        }

        var count = clusters * perCluster;
        var values = new float[count * dimension];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            // Interleaved labels, so row order carries no cluster information.
            var cluster = i % clusters;
            labels[i] = cluster;
            for (var d = 0; d < dimension; d++)
            {
                values[i * dimension + d] = centres[cluster * dimension + d] + 0.3f * (float)Gaussian(random);
            }
        }

        return (new VectorSet(values, count, dimension), labels);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
